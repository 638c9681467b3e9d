"""The dashboards' reads: a fixed number of slim queries for a scope, whatever the data size (two on PostgreSQL,
whose statements `sql` writes out; Django builds them elsewhere).

`read_facts(scope)` returns everything the figures and tables are computed from, as plain rows
(dicts and tuples), so no template or table ever goes back to the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC
from decimal import Decimal

from django.db import connection
from django.db.models import CharField, DateField, DateTimeField, DecimalField, IntegerField, Q, Sum, Value
from django.db.models.functions import Cast

from alliances.models import LeaderSpecialism, LeaderStatus, SystemLeader
from deployments.models import (
    CapacityEntry,
    Deployment,
    Objective,
    RequestNeed,
    RequestStatus,
    Review,
    ReviewObjective,
    ReviewStatus,
    SupportRequest,
    Visit,
    VisitStatus,
)
from deployments.progress import with_progress
from reporting.dashboards import sql
from reporting.dashboards.figures import DELIVERY_STATUSES, OPEN_STATUSES, window, worst_rag
from reporting.filters import Scope

LEDGER = "ledger"  # the ledger's rows: in `_days_and_reviews` beside the reviews' kinds, in `_requests` the requests' (no
# review kind or request status is called this)
NEED = "need"  # in `_requests`, the need areas' rows beside the requests' statuses (no status is called this)
LINK = "link"  # in `_requests`, the leaders' specialisms beside the requests' statuses (no status is called this)
RATING = "rating"  # in `_days_and_reviews`, the ratings' rows beside the reviews' kinds (no review kind is called this)
VISIT = "visit"  # in `_days_and_reviews`, the visits' rows beside the reviews' kinds (no review kind is called this)


@dataclass
class Facts:
    """The rows a dashboard is computed from; each field names the query (numbered) it comes from."""

    deployments: list[dict]  # 1: overlapping the period or decided in it
    in_period: list[dict]  # 1: of those, approved or later and overlapping the period
    year_requests: list[dict]  # 2: sent in the academic year, each with its progress (`deployments.progress`)
    requests: list[dict]  # 2: of those, sent in the period
    needs: dict[int, list[int]]  # 3: need areas per request
    delivered: dict[int, Decimal]  # 4: confirmed visit days per deployment
    waiting: dict[int, Decimal]  # 4: logged or disputed visit days per deployment
    committed: dict[int, Decimal]  # 4: ledger days per deployment, selected terms
    reviews: list[dict]  # 5: reviews due in the period
    rag_of: dict[int, str]  # 5: worst rating of each open deployment's latest sent or agreed review
    leader_links: list[tuple]  # 2 (6): (specialism, leader, days per term) of active leaders
    ledger: dict[tuple[int, str], Decimal] = field(default_factory=dict)  # 2 (6): (leader, term) -> ledger days
    leader_committed: dict[int, Decimal] = field(default_factory=dict)  # 2 (6): leader -> days in the selected terms
    # 1 (7) on PostgreSQL, below the top level: the breakdown's (cluster, name, school) rows (`tables.groups`)
    groups: list[tuple] | None = None


def read_facts(scope: Scope, *, requests_only: bool = False) -> Facts:
    """Two queries on PostgreSQL (2, then 1 with 4, 5 and the breakdown's groups 7); elsewhere three, and the
    breakdown's groups may add one. With `requests_only`, the requests' statement (2) alone, for the tables made
    from it (the other facts are left empty)."""
    year_requests, requests, needs, leader_rows = _requests(scope)
    groups = None
    if requests_only:
        deployments, in_period, reviews = [], [], []
        delivered, waiting, committed, rag_of = {}, {}, {}, {}
    elif connection.vendor == "postgresql":  # 1, 4 and 5 in one statement (and 7)
        deployments, in_period, (delivered, waiting, committed, reviews, rag_of), groups = _deployments_by_sql(scope)
    else:
        deployments, in_period = _deployments(scope)
        in_period_ids = [d["pk"] for d in in_period]
        delivered, waiting, committed, reviews, rag_of = _days_and_reviews(
            scope, in_period_ids, [d["pk"] for d in in_period if d["status"] in OPEN_STATUSES])
    leader_links, ledger, leader_committed = _leaders(scope, leader_rows)
    return Facts(
        deployments=deployments, in_period=in_period, year_requests=year_requests, requests=requests, needs=needs,
        delivered=delivered, waiting=waiting, committed=committed,
        reviews=reviews, rag_of=rag_of,
        leader_links=leader_links, ledger=ledger, leader_committed=leader_committed, groups=groups,
    )


def _deployments(scope: Scope) -> tuple[list[dict], list[dict]]:
    """1. Deployments that overlap the period or were decided in it; and those that count in it."""
    window_start, window_end = window(scope)
    queryset = Deployment.objects.filter(scope.school_q(), partnership=scope.partnership).filter(
        Q(start_date__lte=scope.end, end_date__gte=scope.start) | Q(decided_at__range=(window_start, window_end)))
    if scope.designation:
        queryset = queryset.filter(leader__designation=scope.designation)
    if scope.area is not None:
        queryset = queryset.filter(pk__in=Objective.objects.filter(
            partnership=scope.partnership, area_id=scope.area.pk).values("deployment_id"))
    deployments = list(queryset.values(*DEPLOYMENT_COLUMNS).order_by("school__name", "start_date", "pk"))
    return deployments, _counted(scope, deployments)


DEPLOYMENT_COLUMNS = ("pk", "school_id", "school__name", "school__la_id", "status", "start_date", "end_date", "days",
                      "decided_at", "request__submitted_at", "leader__name", "leader__designation")


def _counted(scope: Scope, deployments: list[dict]) -> list[dict]:
    """The deployments that count in the period: approved or later, and overlapping it."""
    return [d for d in deployments if d["status"] in DELIVERY_STATUSES
            and d["start_date"] <= scope.end and d["end_date"] >= scope.start]


def _deployments_by_sql(scope: Scope) -> tuple[list[dict], list[dict], tuple, list[tuple] | None]:
    """1, and 4 and 5 of those that count (`_tally`), from one written-out statement (`sql.deployments_rows`):
    the rows `_deployments` and `_days_and_reviews` read, named as theirs are; and below the top level, the
    breakdown's groups (`Facts.groups`)."""
    deployments: list[dict] = []
    rows: list[dict] = []
    groups: list[tuple] = []
    for row in sql.deployments_rows(scope):  # (kind, a, m, b, c, d, e, f, g, h, i, j, k, l, p, q): see there
        kind, a, m, b, c, f = row[0], row[1], row[2], row[3], row[4], row[7]
        if kind == sql.DEPLOYMENT:
            deployments.append(dict(zip(DEPLOYMENT_COLUMNS, (a, *row[3:14]), strict=True)))
        elif kind == sql.REVIEW:
            rows.append({"pk": a, "deployment_id": m, "kind": b, "status": c, "due_on": f, "impact_score": row[14],
                         "head_impact_score": row[15], "no_total": None})
        elif kind == sql.RATING:
            rows.append({"pk": a, "deployment_id": m, "kind": RATING, "status": c, "due_on": f})
        elif kind == sql.GROUP:
            groups.append((a, c, b))
        else:
            rows.append({"deployment_id": m, "kind": VISIT if kind == sql.VISIT else LEDGER, "status": c,
                         "no_total": row[9]})
    in_period = _counted(scope, deployments)
    tallies = _tally(rows, [d["pk"] for d in in_period if d["status"] in OPEN_STATUSES])
    return deployments, in_period, tallies, groups if scope.level in ("la", "cluster") else None


def _requests(scope: Scope) -> tuple[list[dict], list[dict], dict[int, list[int]], list[dict]]:
    """2. Requests sent in the academic year (the period's are a part of them), and their need areas; in the same
    statement, the system leaders' rows for 6 (`_leader_rows`). On PostgreSQL the statement is written out
    (`sql.requests_rows`); elsewhere Django builds it (`_requests_by_orm`)."""
    if connection.vendor == "postgresql":
        year_requests, needs, leader_rows = _requests_by_sql(scope)
    else:
        year_requests, needs, leader_rows = _requests_by_orm(scope)
    # Sent on a London date in the period: the same test as comparing `local_date`s, without converting each moment.
    # The bounds are the same instants in UTC, the rows' own zone: aware moments in one zone compare without
    # working out each one's offset.
    period_start, period_end = (moment.astimezone(UTC) for moment in window(scope))
    requests = [r for r in year_requests if period_start <= r["submitted_at"] <= period_end]
    return year_requests, requests, needs, leader_rows


def _requests_by_sql(scope: Scope) -> tuple[list[dict], dict[int, list[int]], list[dict]]:
    """`_requests_by_orm`'s rows from the written-out statement, named as its are."""
    year_requests: list[dict] = []
    needs: dict[int, list[int]] = defaultdict(list)
    leader_rows: list[dict] = []
    for kind, pk, b, c, d, e, days, f, g, h, specialism, areas in sql.requests_rows(scope):
        if kind == sql.REQUEST:
            year_requests.append({"pk": pk, "school_id": b, "school__la_id": c, "status": d, "progress": e,
                                  "days_wanted": days, "submitted_at": f, "preferred_start": g, "preferred_end": h})
            if areas:
                needs[pk] = areas
        elif kind == sql.LINK:
            leader_rows.append({"status": LINK, "pk": pk, "days_wanted": days, "need": specialism})
        else:
            leader_rows.append({"status": LEDGER, "pk": pk, "school_id": b, "days_wanted": days})
    return year_requests, needs, leader_rows


def _requests_by_orm(scope: Scope) -> tuple[list[dict], dict[int, list[int]], list[dict]]:
    """The requests' statement built by Django: the reference for `sql.requests_rows`, and SQLite's."""
    year_start, year_end = window(scope, whole_year=True)
    queryset = SupportRequest.objects.filter(scope.school_q(), partnership=scope.partnership,
                                             submitted_at__range=(year_start, year_end)).exclude(
        status=RequestStatus.DRAFT)
    if scope.area is not None:
        queryset = queryset.filter(pk__in=RequestNeed.objects.filter(
            partnership=scope.partnership, specialism_id=scope.area.pk).values("request_id"))
    needs_qs = RequestNeed.objects.filter(partnership=scope.partnership, request__in=queryset.values("pk"))
    if scope.area is not None:  # the chosen need area only, in every table
        needs_qs = needs_qs.filter(specialism_id=scope.area.pk)
    # One statement: the requests (no need area on the row), then each (request, need area) marked `NEED` as status.
    # `need` is always NULL on these rows: a text output type has no converter to run on each row (the need rows'
    # ids come back as the integers they are).
    rows = with_progress(queryset).annotate(need=Value(None, CharField(max_length=40))).values(
        "pk", "school_id", "school__la_id", "status", "progress", "days_wanted", "submitted_at", "preferred_start",
        "preferred_end", "need").order_by()
    blank = {name: Value(None, output) for name, output in (
        ("no_school", CharField(max_length=40)), ("no_la", CharField(max_length=40)), ("no_progress", CharField(max_length=40)), ("no_days", DecimalField()),
        ("no_sent", DateTimeField()), ("no_start", DateField()), ("no_end", DateField()))}
    need_rows = needs_qs.annotate(marker=Value(NEED, CharField(max_length=40)), **blank).values(
        "request_id", "no_school", "no_la", "marker", "no_progress", "no_days", "no_sent", "no_start", "no_end",
        "specialism_id").order_by()
    year_requests: list[dict] = []
    needs: dict[int, list[int]] = defaultdict(list)
    leader_rows: list[dict] = []
    for row in rows.union(need_rows, *_leader_rows(scope), all=True):  # named as the requests' columns are
        status = row["status"]
        if status == NEED:
            needs[row["pk"]].append(row["need"])
        elif status == LINK or status == LEDGER:
            leader_rows.append(row)
        else:
            del row["need"]
            year_requests.append(row)
    return year_requests, needs, leader_rows


def _days_and_reviews(scope: Scope, deployment_ids: list[int], open_ids: list[int]) -> tuple[
        dict[int, Decimal], dict[int, Decimal], dict[int, Decimal], list[dict], dict[int, str]]:
    """4 and 5, in one statement: the reviews due in the period; the ratings in the latest sent or agreed review
    of each open deployment, for its Red/Amber/Green (rows marked `RATING` in the reviews' columns); visits dated
    in the period, summed per deployment and status (marked `VISIT`; delivered: confirmed, waiting: logged or
    disputed); and the days committed on the ledger for the selected terms (marked `LEDGER`). Each row is named as
    the reviews' columns are, with the days in `total`."""
    # Typed: with the ratings' NULL beside it, an untyped NULL would be read as text before the visits' days come.
    total = {"no_total": Cast(Value(None), DecimalField(max_digits=5, decimal_places=1))}
    no_review = {name: Value(None, output) for name, output in (
        ("no_pk", IntegerField()), ("no_status", CharField(max_length=40)), ("no_due", DateField()),
        ("no_score", IntegerField()), ("no_head_score", IntegerField()))}
    reviews = Review.objects.filter(partnership=scope.partnership, deployment_id__in=deployment_ids,
                                    due_on__range=(scope.start, scope.end)).annotate(**total).values(
        "pk", "deployment_id", "kind", "status", "due_on", "impact_score", "head_impact_score", "no_total").order_by()
    ratings = ReviewObjective.objects.filter(
        partnership=scope.partnership, review__deployment_id__in=open_ids,
        review__status__in=(ReviewStatus.SUBMITTED, ReviewStatus.AGREED), review__due_on__lte=scope.end,
    ).annotate(marker=Value(RATING, CharField(max_length=40)), **no_review, **total).values(
        "review_id", "review__deployment_id", "marker", "rag", "review__due_on", "no_score", "no_head_score",
        "no_total").order_by()
    visits = Visit.objects.filter(partnership=scope.partnership, deployment_id__in=deployment_ids,
                                  visit_date__range=(scope.start, scope.end)).values(
        "deployment_id", "status").annotate(marker=Value(VISIT, CharField(max_length=40)), total_days=Sum("days"),
                                            **no_review).values(
        "no_pk", "deployment_id", "marker", "status", "no_due", "no_score", "no_head_score", "total_days").order_by()
    ledger = CapacityEntry.objects.filter(partnership=scope.partnership, deployment_id__in=deployment_ids,
                                          term_key__in=scope.term_keys).values("deployment_id").annotate(
        marker=Value(LEDGER, CharField(max_length=40)), total_days=Sum("days"), **no_review).values(
        "no_pk", "deployment_id", "marker", "no_status", "no_due", "no_score", "no_head_score", "total_days").order_by()
    return _tally(reviews.union(ratings, visits, ledger, all=True), open_ids)


def _tally(rows, open_ids: list[int]) -> tuple[
        dict[int, Decimal], dict[int, Decimal], dict[int, Decimal], list[dict], dict[int, str]]:
    """4 and 5 from the rows of their statement (`_days_and_reviews`), each named as the reviews' columns are."""
    delivered: dict[int, Decimal] = defaultdict(Decimal)
    waiting: dict[int, Decimal] = defaultdict(Decimal)
    committed: dict[int, Decimal] = {}
    due: list[dict] = []
    latest: dict[int, tuple] = {}
    worst: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        kind, deployment_id = row["kind"], row["deployment_id"]
        if kind == VISIT:
            if row["status"] == VisitStatus.CONFIRMED:
                delivered[deployment_id] += row["no_total"]
            elif row["status"] in (VisitStatus.LOGGED, VisitStatus.DISPUTED):
                waiting[deployment_id] += row["no_total"]
            continue
        if kind == LEDGER:
            committed[deployment_id] = row["no_total"]
            continue
        if kind != RATING:
            del row["no_total"]
            due.append(row)
            continue
        deployment_id, key, rag = row["deployment_id"], (row["due_on"], row["pk"]), row["status"]
        if deployment_id not in latest or key > latest[deployment_id]:
            latest[deployment_id] = key
            worst[deployment_id] = []
        if latest[deployment_id] == key:
            worst[deployment_id].append(rag)
    return delivered, waiting, committed, due, {pk: worst_rag(worst.get(pk, [])) for pk in open_ids}


def _leader_rows(scope: Scope) -> list:
    """6, in the requests' statement (`_requests`): each (specialism, leader, days per term) link of the active
    system leaders counted, marked `LINK`; then each (leader, term) total on their ledger for the year, marked
    `LEDGER`. Named as the requests' columns are: the leader is `pk`, the term `school_id`, the days `days_wanted`
    and the specialism `need`."""
    leaders_qs = SystemLeader.objects.filter(scope.leader_q(), partnership=scope.partnership,
                                             status=LeaderStatus.ACTIVE)
    links_qs = LeaderSpecialism.objects.filter(partnership=scope.partnership, leader__in=leaders_qs.values("pk"))
    if scope.area is not None:
        links_qs = links_qs.filter(specialism_id=scope.area.pk)
    year_keys = [term.key for term in scope.calendar.year_terms(scope.year)]
    blank = {name: Value(None, output) for name, output in (
        ("no_term", CharField(max_length=40)), ("no_la", CharField(max_length=40)),
        ("no_progress", CharField(max_length=40)), ("no_sent", DateTimeField()), ("no_start", DateField()),
        ("no_end", DateField()), ("no_specialism", IntegerField()))}
    links = links_qs.annotate(marker=Value(LINK, CharField(max_length=40)), **blank).values(
        "leader_id", "no_term", "no_la", "marker", "no_progress", "leader__capacity_days_per_term", "no_sent",
        "no_start", "no_end", "specialism_id").order_by()
    totals = CapacityEntry.objects.filter(
        partnership=scope.partnership, leader_id__in=links_qs.values("leader_id"), term_key__in=year_keys,
    ).values("leader_id", "term_key").annotate(marker=Value(LEDGER, CharField(max_length=40)), total=Sum("days"),
                                              **blank).values(
        "leader_id", "term_key", "no_la", "marker", "no_progress", "total", "no_sent", "no_start", "no_end",
        "no_specialism").order_by()
    return [links, totals]


def _leaders(scope: Scope, rows: list[dict]) -> tuple[list[tuple], dict[tuple[int, str], Decimal], dict[int, Decimal]]:
    """6. System leaders' capacity by specialism, and what is already committed of it (rows of `_leader_rows`)."""
    leader_links: list[tuple] = []
    ledger: dict[tuple[int, str], Decimal] = {}
    for row in rows:
        if row["status"] == LINK:
            leader_links.append((row["need"], row["pk"], row["days_wanted"]))
        else:
            ledger[row["pk"], row["school_id"]] = row["days_wanted"]
    leader_committed: dict[int, Decimal] = defaultdict(Decimal)
    for (leader_id, term_key), total in ledger.items():
        if term_key in scope.term_keys:
            leader_committed[leader_id] += total
    return leader_links, ledger, leader_committed
