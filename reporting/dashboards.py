"""Dashboards: what support goes where, with what impact, for LA officers and the steering group.

`dashboard(scope=...)` reads a fixed number of slim queries (whatever the data size) and computes every
figure from them in Python, so each figure has one definition, written down here and on the page:

* a request counts in the period it was sent in; a deployment counts in every period its dates overlap
  (once approved: approved, under way, paused, completed or stopped early);
* days committed are the capacity ledger's rows for the selected terms; days delivered are visits the
  school confirmed (or the broker upheld) dated in the period;
* a review counts in the period it falls due in; "overdue" means still to write after its due date;
* an open deployment's Red/Amber/Green is the worst objective rating in its latest sent or agreed review;
* the impact average is the mean of every impact score in agreed reviews: the system leader's score in each
  agreed termly review and final evaluation, and the headteacher's own score in each agreed final evaluation.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Q, Sum

from alliances.models import ClusterSchool, LeaderSpecialism, LeaderStatus, SystemLeader
from deployments.models import (
    CapacityEntry,
    Deployment,
    DeploymentStatus,
    Objective,
    Rag,
    RequestNeed,
    RequestStatus,
    Review,
    ReviewKind,
    ReviewObjective,
    ReviewStatus,
    SupportRequest,
    Visit,
    VisitStatus,
)
from portal.calendar.schooldays import LONDON, today_in_london
from reporting.filters import Scope

DELIVERY_STATUSES = (DeploymentStatus.APPROVED, DeploymentStatus.ACTIVE, DeploymentStatus.PAUSED,
                     DeploymentStatus.COMPLETED, DeploymentStatus.STOPPED)
OPEN_STATUSES = (DeploymentStatus.ACTIVE, DeploymentStatus.PAUSED)
REQUEST_COLUMNS = (RequestStatus.SUBMITTED, RequestStatus.TRIAGED, RequestStatus.MATCHED, RequestStatus.DECLINED,
                   RequestStatus.WITHDRAWN)
REQUEST_COLUMN_LABELS = {RequestStatus.SUBMITTED: "Waiting", RequestStatus.TRIAGED: "Taken on",
                         RequestStatus.MATCHED: "Leader found", RequestStatus.DECLINED: "Not taken on",
                         RequestStatus.WITHDRAWN: "Withdrawn"}
RAG_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
RAG_LABELS = {Rag.RED: "Red: not on track", Rag.AMBER: "Amber: partly on track", Rag.GREEN: "Green: on track",
              "none": "Not yet reviewed"}
NO_CLUSTER = "Not in a cluster this year"


@dataclass
class Table:
    """One table of the dashboard, exported as it is shown. `links` are the first cell's drill-down links."""

    key: str
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)
    numeric_from: int = 1  # columns from this index on are numbers (right-aligned)
    chart: dict | None = None  # {"series": [(column index, label, css modifier), ...]}
    note: str = ""
    sheet: str = ""  # the Excel sheet's name: 31 characters at most

    @property
    def display_rows(self) -> list[tuple[str | None, object, list]]:
        """(drill-down link, first cell, the other cells) for each row."""
        return [(self.links[i] if i < len(self.links) else None, row[0], row[1:]) for i, row in enumerate(self.rows)]

    @property
    def chart_rows(self) -> list[dict]:
        """Bars for each row and series, as a percentage of the table's largest value."""
        if not self.chart:
            return []
        columns = [index for index, _, _ in self.chart["series"]]
        top = max((Decimal(row[i] or 0) for row in self.rows for i in columns), default=Decimal(0))
        bars = []
        for row in self.rows:
            values = []
            for index, label, modifier in self.chart["series"]:
                value = Decimal(row[index] or 0)
                width = float(value / top * 100) if top else 0.0
                values.append({"label": label, "value": row[index], "width": round(width, 1), "modifier": modifier})
            bars.append({"label": row[0], "bars": values})
        return bars


@dataclass
class Dashboard:
    scope: Scope
    headline: dict
    impact: dict
    tables: dict[str, Table]
    deployments: list[dict] = field(default_factory=list)  # at school level: the school's deployments
    school_table: Table | None = None  # the same, as an exportable table


def _local_date(moment: datetime | None) -> date | None:
    return today_in_london(moment) if moment else None


def _window(scope: Scope, *, whole_year: bool = False) -> tuple[datetime, datetime]:
    first, last = (scope.year_start, scope.year_end) if whole_year else (scope.start, scope.end)
    return datetime.combine(first, time.min, tzinfo=LONDON), datetime.combine(last, time.max, tzinfo=LONDON)


def _num(value) -> Decimal | int:
    """Days as numbers that read well: 3 rather than 3.0, 2.5 stays 2.5."""
    if value is None:
        return 0
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else value.normalize()


def median_days(pairs: list[tuple[datetime, datetime]]) -> float | None:
    """Median whole days from a request being sent to its deployment being approved (London dates)."""
    days = [(_local_date(decided) - _local_date(sent)).days for sent, decided in pairs if sent and decided]
    return statistics.median(days) if days else None


def impact_figures(scores: list[int]) -> dict:
    """The average and the distribution of impact scores, with the sum and count that make the average."""
    distribution = Counter(scores)
    total = sum(scores)
    return {
        "count": len(scores), "total": total,
        # Half up, as people round by hand: 29 / 4 = 7.25 shows as 7.3.
        "average": (Decimal(total) / len(scores)).quantize(Decimal("0.1"), ROUND_HALF_UP) if scores else None,
        "distribution": [(score, distribution.get(score, 0)) for score in range(1, 11)],
    }


def impact_responses(reviews: list[dict]) -> tuple[list[int], list[int]]:
    """The scores the impact average counts: the leader's in every agreed review, and the headteacher's own in
    every agreed final evaluation."""
    agreed = [r for r in reviews if r["status"] == ReviewStatus.AGREED]
    leaders = [r["impact_score"] for r in agreed if r["impact_score"]]
    heads = [r["head_impact_score"] for r in agreed if r["kind"] == ReviewKind.FINAL and r["head_impact_score"]]
    return leaders, heads


def worst_rag(ratings: list[str]) -> str:
    return min(ratings, key=lambda r: RAG_ORDER[r]) if ratings else "none"


def dashboard(*, scope: Scope, today: date | None = None) -> Dashboard:
    """Every figure for `scope`: eleven queries at most, whatever the data size."""
    today = today or today_in_london()
    partnership = scope.partnership
    window_start, window_end = _window(scope)

    # 1. Deployments that overlap the period or were decided in it.
    deployments_qs = Deployment.objects.filter(scope.school_q(), partnership=partnership).filter(
        Q(start_date__lte=scope.end, end_date__gte=scope.start) | Q(decided_at__range=(window_start, window_end)))
    if scope.designation:
        deployments_qs = deployments_qs.filter(leader__designation=scope.designation)
    if scope.area is not None:
        deployments_qs = deployments_qs.filter(
            pk__in=Objective.objects.filter(partnership=partnership, area_id=scope.area.pk).values("deployment_id"))
    deployments = list(deployments_qs.values(
        "pk", "school_id", "school__name", "school__la_id", "status", "start_date", "end_date", "days", "decided_at",
        "request__submitted_at", "leader__name", "leader__designation").order_by("school__name", "start_date", "pk"))
    in_period = [d for d in deployments if d["status"] in DELIVERY_STATUSES
                 and d["start_date"] <= scope.end and d["end_date"] >= scope.start]
    in_period_ids = [d["pk"] for d in in_period]

    # 2 and 3. Requests sent in the academic year (the period's are a part of them), and their need areas.
    year_start, year_end = _window(scope, whole_year=True)
    requests_qs = SupportRequest.objects.filter(scope.school_q(), partnership=partnership,
                                                submitted_at__range=(year_start, year_end)).exclude(
        status=RequestStatus.DRAFT)
    if scope.area is not None:
        requests_qs = requests_qs.filter(
            pk__in=RequestNeed.objects.filter(partnership=partnership, specialism_id=scope.area.pk).values("request_id"))
    year_requests = list(requests_qs.values("pk", "school_id", "school__name", "school__la_id", "status",
                                            "days_wanted", "submitted_at", "preferred_start"))
    requests = [r for r in year_requests if scope.start <= _local_date(r["submitted_at"]) <= scope.end]
    needs: dict[int, list[int]] = defaultdict(list)
    needs_qs = RequestNeed.objects.filter(partnership=partnership, request__in=requests_qs.values("pk"))
    if scope.area is not None:  # the chosen need area only, in every table
        needs_qs = needs_qs.filter(specialism_id=scope.area.pk)
    for request_id, specialism_id in needs_qs.values_list("request_id", "specialism_id"):
        needs[request_id].append(specialism_id)

    # 4. Visits dated in the period, summed per deployment and status.
    delivered: dict[int, Decimal] = defaultdict(Decimal)
    waiting: dict[int, Decimal] = defaultdict(Decimal)
    for row in Visit.objects.filter(partnership=partnership, deployment_id__in=in_period_ids,
                                    visit_date__range=(scope.start, scope.end)).values(
            "deployment_id", "status").annotate(total=Sum("days")).order_by():
        if row["status"] == VisitStatus.CONFIRMED:
            delivered[row["deployment_id"]] += row["total"]
        elif row["status"] in (VisitStatus.LOGGED, VisitStatus.DISPUTED):
            waiting[row["deployment_id"]] += row["total"]

    # 5. Days committed on the ledger for the selected terms.
    committed: dict[int, Decimal] = {row["deployment_id"]: row["total"] for row in CapacityEntry.objects.filter(
        partnership=partnership, deployment_id__in=in_period_ids, term_key__in=scope.term_keys).values(
        "deployment_id").annotate(total=Sum("days")).order_by()}

    # 6. Reviews due in the period.
    reviews = list(Review.objects.filter(partnership=partnership, deployment_id__in=in_period_ids,
                                         due_on__range=(scope.start, scope.end)).values(
        "pk", "deployment_id", "kind", "status", "due_on", "impact_score", "head_impact_score"))

    # 7. The latest sent or agreed review of each open deployment, for its Red/Amber/Green.
    open_ids = [d["pk"] for d in in_period if d["status"] in OPEN_STATUSES]
    latest: dict[int, tuple] = {}
    ratings: dict[int, list[str]] = defaultdict(list)
    for deployment_id, due_on, review_id, rag in ReviewObjective.objects.filter(
            partnership=partnership, review__deployment_id__in=open_ids,
            review__status__in=(ReviewStatus.SUBMITTED, ReviewStatus.AGREED), review__due_on__lte=scope.end,
    ).values_list("review__deployment_id", "review__due_on", "review_id", "rag"):
        key = (due_on, review_id)
        if deployment_id not in latest or key > latest[deployment_id]:
            latest[deployment_id] = key
            ratings[deployment_id] = []
        if latest[deployment_id] == key:
            ratings[deployment_id].append(rag)
    rag_of = {pk: worst_rag(ratings.get(pk, [])) for pk in open_ids}

    # 8 and 9. System leaders' capacity by specialism, and what is already committed of it.
    leaders_qs = SystemLeader.objects.filter(scope.leader_q(), partnership=partnership, status=LeaderStatus.ACTIVE)
    links_qs = LeaderSpecialism.objects.filter(partnership=partnership, leader__in=leaders_qs.values("pk"))
    if scope.area is not None:
        links_qs = links_qs.filter(specialism_id=scope.area.pk)
    leader_links = list(links_qs.values_list("specialism_id", "leader_id", "leader__capacity_days_per_term"))
    leader_ids = {leader_id for _, leader_id, _ in leader_links}
    year_keys = [term.key for term in scope.calendar.year_terms(scope.year)]
    ledger: dict[tuple[int, str], Decimal] = {(row["leader_id"], row["term_key"]): row["total"] for row in
                                              CapacityEntry.objects.filter(
        partnership=partnership, leader_id__in=leader_ids, term_key__in=year_keys).values(
        "leader_id", "term_key").annotate(total=Sum("days")).order_by()}
    leader_committed: dict[int, Decimal] = defaultdict(Decimal)
    for (leader_id, term_key), total in ledger.items():
        if term_key in scope.term_keys:
            leader_committed[leader_id] += total

    # 10. The rows of the breakdown: clusters of the LA, or schools of the cluster.
    groups = _groups(scope, deployments, requests)

    headline = _headline(scope, in_period, deployments, requests, committed, delivered, waiting, reviews, rag_of,
                         today)
    scores, head_scores = impact_responses(reviews)
    impact = impact_figures(scores + head_scores)
    impact["leader_scores"] = len(scores)
    impact["head_scores"] = len(head_scores)
    impact["reviews"] = len({r["pk"] for r in reviews if r["status"] == ReviewStatus.AGREED and (
        r["impact_score"] or (r["kind"] == ReviewKind.FINAL and r["head_impact_score"]))})

    tables = {
        "breakdown": _breakdown(scope, groups, in_period, requests, committed, delivered, reviews, today),
        "requests": _requests_by_need(scope, requests, needs),
        "deployments": _deployments_by_status(in_period, committed),
        "reviews": _reviews_table(reviews, today),
        "rag": _rag_table(rag_of),
        "impact": Table("impact", "Impact scores", ["Score (1 low to 10 high)", "Responses"],
                        [[str(score), count] for score, count in impact["distribution"]],
                        chart={"series": [(1, "Responses", "")]}),
        "capacity": _capacity(scope, leader_links, leader_committed, requests, needs),
        "terms": _capacity_by_term(scope, leader_links, ledger, year_requests),
    }
    school_deployments = []
    if scope.level == "school":
        for d in in_period:
            school_deployments.append({**d, "status_label": DeploymentStatus(d["status"]).label,
                                       "committed": _num(committed.get(d["pk"])),
                                       "delivered": _num(delivered.get(d["pk"])), "rag": rag_of.get(d["pk"])})
    school_table = Table("school", f"Deployments at {scope.school.name}" if scope.school else "Deployments",
                         ["Deployment", "System leader", "Designation", "Starts", "Ends", "Status", "Days committed",
                          "Days delivered", "Progress"], sheet="Deployments at the school", numeric_from=6)
    for d in school_deployments:
        school_table.rows.append([f"D{d['pk']:05d}", d["leader__name"], d["leader__designation"], d["start_date"],
                                  d["end_date"], d["status_label"], d["committed"], d["delivered"],
                                  RAG_LABELS.get(d["rag"], "") if d["rag"] else ""])
    return Dashboard(scope=scope, headline=headline, impact=impact, tables=tables, deployments=school_deployments,
                     school_table=school_table)


def _headline(scope, in_period, deployments, requests, committed, delivered, waiting, reviews, rag_of, today) -> dict:
    statuses = Counter(d["status"] for d in in_period)
    approvals = [(d["request__submitted_at"], d["decided_at"]) for d in deployments
                 if d["decided_at"] and scope.start <= _local_date(d["decided_at"]) <= scope.end
                 and d["status"] not in (DeploymentStatus.REJECTED, DeploymentStatus.PROPOSED)]
    overdue = sum(1 for r in reviews if r["status"] == ReviewStatus.DUE and r["due_on"] < today)
    return {
        "schools_supported": len({d["school_id"] for d in in_period}),
        "requests": len(requests),
        "median_days_to_approval": median_days(approvals),
        "approvals": len(approvals),
        "active": statuses[DeploymentStatus.ACTIVE],
        "paused": statuses[DeploymentStatus.PAUSED],
        "completed": statuses[DeploymentStatus.COMPLETED],
        "stopped": statuses[DeploymentStatus.STOPPED],
        "committed": _num(sum(committed.values(), Decimal(0))),
        "delivered": _num(sum(delivered.values(), Decimal(0))),
        "awaiting_confirmation": _num(sum(waiting.values(), Decimal(0))),
        "reviews_due": sum(1 for r in reviews if r["status"] == ReviewStatus.DUE and r["due_on"] >= today),
        "reviews_overdue": overdue,
        "open_rag": Counter(rag_of.values()),
    }


def _groups(scope: Scope, deployments: list[dict], requests: list[dict]) -> list[tuple[str, str, set[str], str | None]]:
    """(key, label, school URNs, drill-down query) for each row of the breakdown."""
    if scope.level == "top":
        las = dict(scope.las)
        if scope.limited_las is None:
            # Only LAs where something happened, or all the steering group's LAs when nothing has yet.
            seen = {row["school__la_id"] for row in deployments + requests}
            las = {code: name for code, name in las.items() if code in seen} or las
        members: dict[str, set[str]] = defaultdict(set)
        for row in deployments + requests:
            members[row["school__la_id"]].add(row["school_id"])
        return [(code, name, members.get(code, set()), "la") for code, name in las.items()]
    if scope.level == "la":
        rows: dict[int, list] = {}
        clustered: set[str] = set()
        links = ClusterSchool.objects.filter(partnership=scope.partnership, cluster__academic_year=scope.year,
                                             cluster__la_id=scope.la)
        if scope.limited_las is not None:
            links = links.filter(school__la__in=scope.limited_las)
        for cluster_id, name, school_id in links.values_list("cluster_id", "cluster__name", "school_id").order_by(
                "cluster__name", "cluster_id"):
            rows.setdefault(cluster_id, [str(cluster_id), name, set(), "cluster"])[2].add(school_id)
            clustered.add(school_id)
        active = {row["school_id"] for row in deployments + requests}
        result = [tuple(row) for row in rows.values()]
        outside = active - clustered
        if outside:
            result.append(("none", NO_CLUSTER, outside, None))
        return result
    if scope.level == "cluster":
        links = ClusterSchool.objects.filter(cluster_id=scope.cluster.pk)
        if scope.limited_las is not None:
            links = links.filter(school__la__in=scope.limited_las)
        if scope.phase:
            links = links.filter(school__phase=scope.phase)
        return [(urn, name, {urn}, "school") for urn, name in links.values_list("school_id", "school__name").order_by(
            "school__name", "school_id")]
    return [(scope.school.pk, scope.school.name, {scope.school.pk}, None)]


def _breakdown(scope, groups, in_period, requests, committed, delivered, reviews, today) -> Table:
    titles = {"top": "By local authority", "la": "By cluster", "cluster": "By school", "school": "This school"}
    first = {"top": "Local authority", "la": "Cluster", "cluster": "School", "school": "School"}[scope.level]
    header = [first, "Schools supported", "Requests", "Under way or paused", "Completed", "Days committed",
              "Days delivered", "Reviews overdue", "Average impact"]
    table = Table("breakdown", titles[scope.level], header, sheet=titles[scope.level],
                  chart={"series": [(5, "Days committed", ""), (6, "Days delivered", "delivered")]})
    reviews_by_deployment: dict[int, list[dict]] = defaultdict(list)
    for review in reviews:
        reviews_by_deployment[review["deployment_id"]].append(review)
    deployments_at: dict[str, list[dict]] = defaultdict(list)
    for d in in_period:
        deployments_at[d["school_id"]].append(d)
    requests_at = Counter(r["school_id"] for r in requests)
    for key, label, schools, drill in groups:
        mine = [d for school in schools for d in deployments_at.get(school, ())]
        own_reviews = [r for d in mine for r in reviews_by_deployment[d["pk"]]]
        average = impact_figures([score for scores in impact_responses(own_reviews) for score in scores])["average"]
        table.rows.append([
            label, len({d["school_id"] for d in mine}), sum(requests_at[school] for school in schools),
            sum(1 for d in mine if d["status"] in OPEN_STATUSES),
            sum(1 for d in mine if d["status"] == DeploymentStatus.COMPLETED),
            _num(sum((committed.get(d["pk"], Decimal(0)) for d in mine), Decimal(0))),
            _num(sum((delivered.get(d["pk"], Decimal(0)) for d in mine), Decimal(0))),
            sum(1 for r in own_reviews if r["status"] == ReviewStatus.DUE and r["due_on"] < today),
            average if average is not None else "",
        ])
        table.links.append(urlencode(scope.query(**{drill: key})) if drill else None)
    if scope.level == "la":
        table.note = "A school in two clusters counts in both."
    return table


def _requests_by_need(scope: Scope, requests: list[dict], needs: dict[int, list[int]]) -> Table:
    counts: dict[int, Counter] = defaultdict(Counter)
    for request in requests:
        for specialism_id in needs.get(request["pk"], []):
            counts[specialism_id][request["status"]] += 1
    rows = []
    for specialism_id, by_status in counts.items():
        rows.append([scope.specialisms.get(specialism_id, "Unknown area")]
                    + [by_status[status] for status in REQUEST_COLUMNS] + [sum(by_status.values())])
    rows.sort(key=lambda row: (-row[-1], row[0]))  # most asked for first; ties by name
    return Table("requests", "Requests by need area and status",
                 ["Need area"] + [REQUEST_COLUMN_LABELS[s] for s in REQUEST_COLUMNS] + ["Total"], rows,
                 chart={"series": [(len(REQUEST_COLUMNS) + 1, "Requests", "")]},
                 note="A request with several need areas counts once in each.")


def _deployments_by_status(in_period: list[dict], committed: dict[int, Decimal]) -> Table:
    rows = []
    for status in DELIVERY_STATUSES:
        mine = [d for d in in_period if d["status"] == status]
        rows.append([DeploymentStatus(status).label, len(mine), _num(sum((d["days"] for d in mine), Decimal(0))),
                     _num(sum((committed.get(d["pk"], Decimal(0)) for d in mine), Decimal(0)))])
    return Table("deployments", "Deployments by status",
                 ["Status", "Deployments", "Days agreed (whole deployment)", "Days committed in the period"], rows,
                 chart={"series": [(1, "Deployments", "")]})


def _reviews_table(reviews: list[dict], today: date) -> Table:
    def count(test) -> int:
        return sum(1 for r in reviews if test(r))

    rows = [
        ["Due, not yet written", count(lambda r: r["status"] == ReviewStatus.DUE and r["due_on"] >= today)],
        ["Overdue", count(lambda r: r["status"] == ReviewStatus.DUE and r["due_on"] < today)],
        ["Waiting for the headteacher to agree", count(lambda r: r["status"] == ReviewStatus.SUBMITTED)],
        ["Agreed", count(lambda r: r["status"] == ReviewStatus.AGREED)],
    ]
    return Table("reviews", "Reviews due in the period", ["Review status", "Reviews"], rows,
                 chart={"series": [(1, "Reviews", "")]})


def _rag_table(rag_of: dict[int, str]) -> Table:
    counts = Counter(rag_of.values())
    rows = [[RAG_LABELS[key], counts.get(key, 0)] for key in (Rag.RED, Rag.AMBER, Rag.GREEN, "none")]
    return Table("rag", "Red, Amber, Green of open deployments", ["Progress", "Open deployments"], rows,
                 chart={"series": [(1, "Open deployments", "")]},
                 note="Each open deployment counts once, at the worst rating of its latest sent or agreed review.")


def _capacity(scope: Scope, leader_links, leader_committed, requests, needs) -> Table:
    terms = len(scope.terms)
    leaders: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for specialism_id, leader_id, days_per_term in leader_links:
        leaders[specialism_id][leader_id] = days_per_term * terms
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    to_place: dict[int, Decimal] = defaultdict(Decimal)
    for request in requests:
        if request["status"] in (RequestStatus.DECLINED, RequestStatus.WITHDRAWN):
            continue
        for specialism_id in needs.get(request["pk"], []):
            wanted[specialism_id] += request["days_wanted"] or 0
            if request["status"] in (RequestStatus.SUBMITTED, RequestStatus.TRIAGED):
                to_place[specialism_id] += request["days_wanted"] or 0
    rows = []
    for specialism_id in sorted(set(leaders) | set(wanted), key=lambda pk: scope.specialisms.get(pk, "")):
        if scope.area is not None and specialism_id != scope.area.pk:
            continue
        capacity = sum(leaders[specialism_id].values(), Decimal(0))
        used = sum((leader_committed.get(pk, Decimal(0)) for pk in leaders[specialism_id]), Decimal(0))
        left = sum((max(days - leader_committed.get(pk, Decimal(0)), Decimal(0))
                    for pk, days in leaders[specialism_id].items()), Decimal(0))
        rows.append([scope.specialisms.get(specialism_id, "Unknown area"), len(leaders[specialism_id]), _num(capacity),
                     _num(used), _num(left), _num(wanted[specialism_id]), _num(to_place[specialism_id]),
                     _num(max(to_place[specialism_id] - left, Decimal(0)))])
    return Table("capacity", "System leader capacity and demand by specialism",
                 ["Specialism", "Active system leaders", "Capacity (days)", "Committed (days)", "Days left",
                  "Days requested", "Still to place (days)", "Short by (days)"], rows,
                 chart={"series": [(4, "Days left", ""), (6, "Still to place", "demand")]},
                 note="Capacity is each active leader's days per term times the terms chosen; committed is everything "
                      "on their ledger for those terms, whatever the specialism; a leader with several specialisms counts under each. Days still to place are those of "
                      "requests with no system leader yet; short by is how far they exceed the days left. A request "
                      "with several need areas counts its days in each.")


def _capacity_by_term(scope: Scope, leader_links, ledger: dict[tuple[int, str], Decimal], year_requests) -> Table:
    """Capacity planning: each term of the year, what the leaders have, what is committed and what schools want
    (days requested, placed in the term of the preferred start, or the term the request was sent in)."""
    per_term = {leader_id: days for _, leader_id, days in leader_links}
    wanted: dict[str, Decimal] = defaultdict(Decimal)
    waiting: dict[str, Decimal] = defaultdict(Decimal)
    for request in year_requests:
        if request["status"] in (RequestStatus.DECLINED, RequestStatus.WITHDRAWN):
            continue
        when = request["preferred_start"] or _local_date(request["submitted_at"])
        key = scope.calendar.term_for(when).key
        wanted[key] += request["days_wanted"] or 0
        if request["status"] in (RequestStatus.SUBMITTED, RequestStatus.TRIAGED):
            waiting[key] += request["days_wanted"] or 0
    rows = []
    for term in scope.calendar.year_terms(scope.year):
        committed = sum((ledger.get((pk, term.key), Decimal(0)) for pk in per_term), Decimal(0))
        left = sum((max(days - ledger.get((pk, term.key), Decimal(0)), Decimal(0)) for pk, days in per_term.items()),
                   Decimal(0))
        rows.append([term.name.capitalize(), _num(sum(per_term.values(), Decimal(0))), _num(committed), _num(left),
                     _num(wanted[term.key]), _num(waiting[term.key])])
    return Table("terms", f"Capacity planning by term, {scope.year}",
                 ["Term", "Capacity (days)", "Committed (days)", "Days left", "Days requested",
                  "Requested, no leader yet (days)"], rows,
                 chart={"series": [(3, "Days left", ""), (4, "Days requested", "demand")]},
                 note="Always the whole academic year, whatever term is chosen. Capacity and days left count the "
                      "active system leaders shown in the capacity table above.")
