"""The dashboards' tables and headline figures, each computed from the facts `reads` fetched (no queries,
except the breakdown's groups below the top level)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from alliances.models import ClusterSchool
from deployments.models import DeploymentStatus, Rag, RequestStatus, ReviewStatus
from deployments.terms import requested_days_by_term
from reporting.dashboards.figures import (
    DELIVERY_STATUSES,
    NO_CLUSTER,
    OPEN_STATUSES,
    RAG_LABELS,
    REQUEST_COLUMNS,
    Table,
    as_days,
    impact_figures,
    impact_responses,
    london_dates,
    median_days,
    window,
)
from reporting.dashboards.reads import Facts
from reporting.filters import Scope


def headline(scope: Scope, facts: Facts, today: date) -> dict:
    """The figures across the top of the page."""
    in_period, reviews = facts.in_period, facts.reviews
    statuses = Counter(d["status"] for d in in_period)
    period_start, period_end = window(scope)  # decided on a London date in the period
    approvals = [(d["request__submitted_at"], d["decided_at"]) for d in facts.deployments
                 if d["decided_at"] and period_start <= d["decided_at"] <= period_end
                 and d["status"] not in (DeploymentStatus.REJECTED, DeploymentStatus.PROPOSED)]
    overdue = sum(1 for r in reviews if r["status"] == ReviewStatus.DUE and r["due_on"] < today)
    return {
        "schools_supported": len({d["school_id"] for d in in_period}),
        "requests": len(facts.requests),
        "median_days_to_approval": median_days(approvals),
        "approvals": len(approvals),
        "active": statuses[DeploymentStatus.ACTIVE],
        "paused": statuses[DeploymentStatus.PAUSED],
        "completed": statuses[DeploymentStatus.COMPLETED],
        "stopped": statuses[DeploymentStatus.STOPPED],
        "committed": as_days(sum(facts.committed.values(), Decimal(0))),
        "delivered": as_days(sum(facts.delivered.values(), Decimal(0))),
        "awaiting_confirmation": as_days(sum(facts.waiting.values(), Decimal(0))),
        "reviews_due": sum(1 for r in reviews if r["status"] == ReviewStatus.DUE and r["due_on"] >= today),
        "reviews_overdue": overdue,
        "open_rag": Counter(facts.rag_of.values()),
    }


def groups(scope: Scope, facts: Facts) -> list[tuple[str, str, set[str], str | None]]:
    """(key, label, school URNs, drill-down query) for each row of the breakdown (query 7 below the top)."""
    active_rows = facts.deployments + facts.requests
    if scope.level == "top":
        las = dict(scope.las)
        if scope.limited_las is None:
            # Only LAs where something happened, or all the steering group's LAs when nothing has yet.
            seen = {row["school__la_id"] for row in active_rows}
            las = {code: name for code, name in las.items() if code in seen} or las
        members: dict[str, set[str]] = defaultdict(set)
        for row in active_rows:
            members[row["school__la_id"]].add(row["school_id"])
        return [(code, name, members.get(code, set()), "la") for code, name in las.items()]
    if scope.level == "la":
        rows: dict[int, list] = {}
        clustered: set[str] = set()
        for cluster_id, name, school_id in facts.groups if facts.groups is not None else _group_rows(scope):
            rows.setdefault(cluster_id, [str(cluster_id), name, set(), "cluster"])[2].add(school_id)
            clustered.add(school_id)
        active = {row["school_id"] for row in active_rows}
        result = [tuple(row) for row in rows.values()]
        outside = active - clustered
        if outside:
            result.append(("none", NO_CLUSTER, outside, None))
        return result
    if scope.level == "cluster":
        return [(urn, name, {urn}, "school")
                for _, name, urn in (facts.groups if facts.groups is not None else _group_rows(scope))]
    return [(scope.school.pk, scope.school.name, {scope.school.pk}, None)]


def _group_rows(scope: Scope) -> list[tuple]:
    """Query 7 where `reads` did not read it with the deployments (SQLite): (cluster id, name, school URN) of
    each school in each of the LA's clusters by cluster name, or (None, name, URN) of each school in the cluster
    by school name."""
    if scope.level == "la":
        links = ClusterSchool.objects.filter(partnership=scope.partnership, cluster__academic_year=scope.year,
                                             cluster__la_id=scope.la)
        if scope.limited_las is not None:
            links = links.filter(school__la__in=scope.limited_las)
        return list(links.values_list("cluster_id", "cluster__name", "school_id").order_by("cluster__name", "cluster_id"))
    links = ClusterSchool.objects.filter(cluster_id=scope.cluster.pk)
    if scope.limited_las is not None:
        links = links.filter(school__la__in=scope.limited_las)
    if scope.phase:
        links = links.filter(school__phase=scope.phase)
    return [(None, name, urn) for urn, name in links.values_list("school_id", "school__name").order_by(
        "school__name", "school_id")]


def breakdown(scope: Scope, facts: Facts, rows: list[tuple[str, str, set[str], str | None]], today: date) -> Table:
    titles = {"top": "By local authority", "la": "By cluster", "cluster": "By school", "school": "This school"}
    first = {"top": "Local authority", "la": "Cluster", "cluster": "School", "school": "School"}[scope.level]
    header = [first, "Schools supported", "Requests", "Under way or paused", "Completed", "Days committed",
              "Days delivered", "Reviews overdue", "Average impact"]
    table = Table("breakdown", titles[scope.level], header, sheet=titles[scope.level],
                  chart={"series": [(5, "Days committed", ""), (6, "Days delivered", "delivered")]})
    reviews_by_deployment: dict[int, list[dict]] = defaultdict(list)
    for review in facts.reviews:
        reviews_by_deployment[review["deployment_id"]].append(review)
    deployments_at: dict[str, list[dict]] = defaultdict(list)
    for d in facts.in_period:
        deployments_at[d["school_id"]].append(d)
    requests_at = Counter(r["school_id"] for r in facts.requests)
    committed, delivered = facts.committed, facts.delivered
    for key, label, schools, drill in rows:
        mine = [d for school in schools for d in deployments_at.get(school, ())]
        own_reviews = [r for d in mine for r in reviews_by_deployment[d["pk"]]]
        average = impact_figures([score for scores in impact_responses(own_reviews) for score in scores])["average"]
        table.rows.append([
            label, len({d["school_id"] for d in mine}), sum(requests_at[school] for school in schools),
            sum(1 for d in mine if d["status"] in OPEN_STATUSES),
            sum(1 for d in mine if d["status"] == DeploymentStatus.COMPLETED),
            as_days(sum((committed.get(d["pk"], Decimal(0)) for d in mine), Decimal(0))),
            as_days(sum((delivered.get(d["pk"], Decimal(0)) for d in mine), Decimal(0))),
            sum(1 for r in own_reviews if r["status"] == ReviewStatus.DUE and r["due_on"] < today),
            average if average is not None else "",
        ])
        table.links.append(urlencode(scope.query(**{drill: key})) if drill else None)
    if scope.level == "la":
        table.note = "A school in two clusters counts in both."
    return table


def requests_by_need(scope: Scope, facts: Facts) -> Table:
    requests, needs = facts.requests, facts.needs
    counts: dict[int, Counter] = defaultdict(Counter)
    for request in requests:
        for specialism_id in needs.get(request["pk"], []):
            counts[specialism_id][request["progress"]] += 1
    rows = []
    for specialism_id, by_stage in counts.items():
        rows.append([scope.specialisms.get(specialism_id, "Unknown area")]
                    + [sum(by_stage[stage] for stage in stages) for _, stages in REQUEST_COLUMNS]
                    + [sum(by_stage.values())])
    rows.sort(key=lambda row: (-row[-1], row[0]))  # most asked for first; ties by name
    return Table("requests", "Requests by need area and status",
                 ["Need area"] + [label for label, _ in REQUEST_COLUMNS] + ["Total"], rows,
                 chart={"series": [(len(REQUEST_COLUMNS) + 1, "Requests", "")]},
                 note="A request with several need areas counts once in each. Once a system leader is found, a "
                      "request counts where its deployment is: approved, under way, completed or stopped early.")


def deployments_by_status(facts: Facts) -> Table:
    in_period, committed = facts.in_period, facts.committed
    rows = []
    for status in DELIVERY_STATUSES:
        mine = [d for d in in_period if d["status"] == status]
        rows.append([DeploymentStatus(status).label, len(mine), as_days(sum((d["days"] for d in mine), Decimal(0))),
                     as_days(sum((committed.get(d["pk"], Decimal(0)) for d in mine), Decimal(0)))])
    return Table("deployments", "Deployments by status",
                 ["Status", "Deployments", "Days agreed (whole deployment)", "Days committed in the period"], rows,
                 chart={"series": [(1, "Deployments", "")]})


def reviews_table(reviews: list[dict], today: date) -> Table:
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


def rag_table(rag_of: dict[int, str]) -> Table:
    counts = Counter(rag_of.values())
    rows = [[RAG_LABELS[key], counts.get(key, 0)] for key in (Rag.RED, Rag.AMBER, Rag.GREEN, "none")]
    return Table("rag", "Red, Amber, Green of open deployments", ["Progress", "Open deployments"], rows,
                 chart={"series": [(1, "Open deployments", "")]},
                 note="Each open deployment counts once, at the worst rating of its latest sent or agreed review.")


def capacity(scope: Scope, facts: Facts) -> Table:
    leader_links, leader_committed, requests, needs = facts.leader_links, facts.leader_committed, facts.requests, facts.needs
    terms = len(scope.terms)
    zero = Decimal(0)
    # Each (specialism, leader): the leader's capacity, what is committed of it and what is left, worked out
    # once per leader and summed per specialism below.
    leaders: dict[int, dict[int, tuple[Decimal, Decimal, Decimal]]] = defaultdict(dict)
    figures: dict[tuple[int, Decimal], tuple[Decimal, Decimal, Decimal]] = {}
    for specialism_id, leader_id, days_per_term in leader_links:
        key = (leader_id, days_per_term)
        figure = figures.get(key)
        if figure is None:
            days = days_per_term * terms
            used = leader_committed.get(leader_id, zero)
            figure = figures[key] = (days, used, max(days - used, zero))
        leaders[specialism_id][leader_id] = figure
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
        have = used = left = zero
        for days, committed, remaining in leaders[specialism_id].values():
            have += days
            used += committed
            left += remaining
        rows.append([scope.specialisms.get(specialism_id, "Unknown area"), len(leaders[specialism_id]), as_days(have),
                     as_days(used), as_days(left), as_days(wanted[specialism_id]), as_days(to_place[specialism_id]),
                     as_days(max(to_place[specialism_id] - left, Decimal(0)))])
    return Table("capacity", "System leader capacity and demand by specialism",
                 ["Specialism", "Active system leaders", "Capacity (days)", "Committed (days)", "Days left",
                  "Days requested", "Still to place (days)", "Short by (days)"], rows,
                 chart={"series": [(4, "Days left", ""), (6, "Still to place", "demand")]},
                 note="Capacity is each active leader's days per term times the terms chosen; committed is everything "
                      "on their ledger for those terms, whatever the specialism; a leader with several specialisms counts under each. Days still to place are those of "
                      "requests with no system leader yet; short by is how far they exceed the days left. A request "
                      "with several need areas counts its days in each.")


def capacity_by_term(scope: Scope, facts: Facts) -> Table:
    """Capacity planning: each term of the year, what the leaders have, what is committed and what schools want
    (days requested, spread over the terms from the preferred start, or the day the request was sent, to the
    preferred end)."""
    ledger, year_requests = facts.ledger, facts.year_requests
    per_term = {leader_id: days for _, leader_id, days in facts.leader_links}
    wanted: dict[str, Decimal] = defaultdict(Decimal)
    waiting: dict[str, Decimal] = defaultdict(Decimal)
    spreads: dict[tuple, dict] = {}  # many requests ask for the same days over the same dates: spread each once
    sent_on = london_dates()
    for request in year_requests:
        if request["status"] in (RequestStatus.DECLINED, RequestStatus.WITHDRAWN):
            continue
        # Spread over the terms the requested dates fall in, as matching and accepting count them.
        when = request["preferred_start"] or sent_on(request["submitted_at"])
        key = (request["days_wanted"], when, request["preferred_end"])
        spread = spreads.get(key)
        if spread is None:
            spread = spreads[key] = requested_days_by_term(days=request["days_wanted"], preferred_start=when,
                                                           preferred_end=request["preferred_end"],
                                                           terms=scope.calendar, today=when)
        for term, days in spread.items():
            wanted[term.key] += days
            if request["status"] in (RequestStatus.SUBMITTED, RequestStatus.TRIAGED):
                waiting[term.key] += days
    # Each term's ledger rows of the leaders counted; a leader with none in a term has all their days left.
    zero = Decimal(0)
    capacity_days = sum(per_term.values(), zero)
    booked: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for (leader_id, term_key), days in ledger.items():
        if leader_id in per_term:
            booked[term_key][leader_id] = days
    rows = []
    for term in scope.calendar.year_terms(scope.year):
        on_ledger = booked.get(term.key, {})
        committed = sum(on_ledger.values(), zero)
        left = capacity_days
        for leader_id, days in on_ledger.items():
            left += max(per_term[leader_id] - days, zero) - per_term[leader_id]
        rows.append([term.name.capitalize(), as_days(capacity_days), as_days(committed), as_days(left),
                     as_days(wanted[term.key]), as_days(waiting[term.key])])
    return Table("terms", f"Capacity planning by term, {scope.year}",
                 ["Term", "Capacity (days)", "Committed (days)", "Days left", "Days requested",
                  "Requested, no leader yet (days)"], rows,
                 chart={"series": [(3, "Days left", ""), (4, "Days requested", "demand")]},
                 note="Always the whole academic year, whatever term is chosen. Capacity and days left count the "
                      "active system leaders shown in the capacity table above.")
