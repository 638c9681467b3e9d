"""The requests' statement of `reads` (query 2 with 6 in it), written out for PostgreSQL.

Django built this statement from eight querysets on every request, which cost as much as running it; written
here once, it is the same statement: the same rows from the same tables, under the same filters, the scope's
reach as `Scope.school_q` and `Scope.leader_q` give it, a request's progress as `deployments.progress` defines
it. The requests the statement reads are read once (`asked`) for their rows and their need areas. SQLite (and
`reads._requests_by_orm`, the reference) keep the querysets; `tests/reporting/test_requests_sql.py` compares the
two for every kind of filter.
"""

from __future__ import annotations

from django.db import connection

from alliances.models import Cluster, ClusterSchool, LeaderSpecialism, LeaderStatus, School, SystemLeader
from deployments.models import (
    CapacityEntry,
    Deployment,
    DeploymentStatus,
    Objective,
    RequestNeed,
    RequestStatus,
    Review,
    ReviewObjective,
    ReviewStatus,
    SupportRequest,
    Visit,
)
from portal.written_sql import in_list as _in
from portal.written_sql import table as _table
from reporting.dashboards.figures import DELIVERY_STATUSES, OPEN_STATUSES, window
from reporting.filters import LEADER_PHASE_FLAGS, Scope

# What each row is (the statement's first column).
REQUEST, LINK, LEDGER = range(3)


def _reach(scope: Scope, school_id: str, school: str, params: list, *, by_phase: bool = True,
           by_school: bool = True) -> str:
    """`Scope.school_q` as SQL: `school_id` is the column naming the school, `school` the joined school's alias."""
    terms = []
    if scope.limited_las is not None:
        terms.append(f"{school}.la_id IN {_in(scope.limited_las, params)}")
    if scope.la:
        terms.append(f"{school}.la_id = %s")
        params.append(scope.la)
    if scope.cluster is not None:
        terms.append(f"{school_id} IN (SELECT cs.school_id FROM {_table(ClusterSchool)} cs "
                     "WHERE cs.partnership_id = %s AND cs.cluster_id = %s)")
        params.extend([scope.partnership.pk, scope.cluster.pk])
    if by_school and scope.school is not None:
        terms.append(f"{school_id} = %s")
        params.append(scope.school.pk)
    if by_phase and scope.phase:
        terms.append(f"{school}.phase = %s")
        params.append(scope.phase)
    return "".join(f" AND {term}" for term in terms)


school_reach = _reach  # for the other pages' statements written out (`reporting.takeup_sql`)


def _leaders(scope: Scope, params: list) -> tuple[str, str]:
    """(join, conditions): `Scope.leader_q` on the leaders `l`, their home schools joined as `hs` when needed."""
    reach = _reach(scope, "l.home_school_id", "hs", params, by_phase=False, by_school=False)
    join = f" JOIN {_table(School)} hs ON hs.urn = l.home_school_id" if (
        scope.limited_las is not None or scope.la) else ""
    if scope.phase in LEADER_PHASE_FLAGS:
        reach += " AND (" + " OR ".join(f"l.{connection.ops.quote_name(flag)}"
                                        for flag in LEADER_PHASE_FLAGS[scope.phase]) + ")"
    if scope.designation:
        reach += " AND l.designation = %s"
        params.append(scope.designation)
    return join, reach


# The statements' text: {Model} is its table; the other fields are filled in for the scope. Each is a SELECT
# from its WITH, so the connection prepares it once and runs it again by name (`portal.tenancy.postgresql.prepared`
# prepares statements that start with SELECT).
ASKED_SQL = """
        SELECT r.id, r.school_id, s.la_id, r.status,
               CASE WHEN r.status = %s THEN COALESCE((
                   SELECT d.status FROM {Deployment} d
                   WHERE d.partnership_id = %s AND d.partnership_id = r.partnership_id AND d.request_id = r.id
                         AND NOT (d.status = %s)
                   ORDER BY d.proposed_at DESC, d.id DESC LIMIT 1), %s) ELSE r.status END AS progress,
               r.days_wanted, r.submitted_at, r.preferred_start, r.preferred_end
        FROM {SupportRequest} r JOIN {School} s ON s.urn = r.school_id
        WHERE r.partnership_id = %s AND r.submitted_at BETWEEN %s AND %s AND NOT (r.status = %s)"""
REQUESTS_SQL = """
        SELECT * FROM (WITH asked AS ({asked}),
        links AS (
            SELECT ls.leader_id, ls.specialism_id, l.capacity_days_per_term
            FROM {LeaderSpecialism} ls JOIN {SystemLeader} l ON l.id = ls.leader_id{join}
            WHERE ls.partnership_id = %s AND l.partnership_id = ls.partnership_id AND l.status = %s{reach}{link_filter})
        SELECT {REQUEST}, id, school_id, la_id, status, progress, days_wanted, submitted_at, preferred_start,
               preferred_end, NULL::bigint,
               ARRAY(SELECT n.specialism_id FROM {RequestNeed} n
                     WHERE n.partnership_id = %s AND n.request_id = asked.id{need_filter})
        FROM asked
        UNION ALL
        SELECT {LINK}, leader_id, NULL, NULL, NULL, NULL, capacity_days_per_term, NULL, NULL, NULL, specialism_id, NULL
        FROM links
        UNION ALL
        SELECT {LEDGER}, ce.leader_id, ce.term_key, NULL, NULL, NULL, SUM(ce.days), NULL, NULL, NULL, NULL, NULL
        FROM {CapacityEntry} ce
        WHERE ce.partnership_id = %s AND ce.leader_id IN (SELECT leader_id FROM links) AND ce.term_key IN {keys}
        GROUP BY ce.leader_id, ce.term_key) found"""
DEPLOYMENTS_SQL = """
        SELECT * FROM (WITH chosen AS (
            SELECT d.id, d.school_id, s.name AS school_name, s.la_id, d.status, d.start_date, d.end_date, d.days,
                   d.decided_at, r.submitted_at, l.name AS leader_name, l.designation
            FROM {Deployment} d JOIN {School} s ON s.urn = d.school_id
                 JOIN {SupportRequest} r ON r.id = d.request_id
                 JOIN {SystemLeader} l ON l.id = d.leader_id
            WHERE d.partnership_id = %s{chosen}
                  AND ((d.start_date <= %s AND d.end_date >= %s) OR d.decided_at BETWEEN %s AND %s)),
        counted AS (SELECT id, status FROM chosen WHERE status IN {counted_in} AND start_date <= %s AND end_date >= %s)
        SELECT {DEPLOYMENT}, id, NULL::bigint, school_id, school_name, la_id, status, start_date, end_date, days,
               decided_at, submitted_at, leader_name, designation, NULL::integer, NULL::integer FROM chosen
        UNION ALL
        SELECT {REVIEW}, rv.id, rv.deployment_id, rv.kind, rv.status, NULL, NULL, rv.due_on, NULL, NULL, NULL, NULL,
               NULL, NULL, rv.impact_score, rv.head_impact_score
        FROM {Review} rv WHERE rv.partnership_id = %s AND rv.deployment_id IN (SELECT id FROM counted)
             AND rv.due_on BETWEEN %s AND %s
        UNION ALL
        SELECT {RATING}, ro.review_id, rv.deployment_id, NULL, ro.rag, NULL, NULL, rv.due_on, NULL, NULL, NULL, NULL,
               NULL, NULL, NULL, NULL
        FROM {ReviewObjective} ro JOIN {Review} rv ON rv.id = ro.review_id
        WHERE ro.partnership_id = %s AND rv.deployment_id IN (SELECT id FROM counted WHERE status IN {open_in})
              AND rv.status IN (%s, %s) AND rv.due_on <= %s
        UNION ALL
        SELECT {VISIT}, NULL, v.deployment_id, NULL, v.status, NULL, NULL, NULL, NULL, SUM(v.days), NULL, NULL,
               NULL, NULL, NULL, NULL
        FROM {Visit} v WHERE v.partnership_id = %s AND v.deployment_id IN (SELECT id FROM counted)
             AND v.visit_date BETWEEN %s AND %s
        GROUP BY v.deployment_id, v.status
        UNION ALL
        SELECT {LEDGER_DAYS}, NULL, ce.deployment_id, NULL, NULL, NULL, NULL, NULL, NULL, SUM(ce.days), NULL, NULL,
               NULL, NULL, NULL, NULL
        FROM {CapacityEntry} ce WHERE ce.partnership_id = %s AND ce.deployment_id IN (SELECT id FROM counted)
             AND ce.term_key IN {keys}
        GROUP BY ce.deployment_id{groups}) found
        ORDER BY 1, 5, 8, 2, 4"""


def _sql(template: str, **pieces) -> str:
    tables = {model.__name__: _table(model) for model in (
        CapacityEntry, Cluster, ClusterSchool, Deployment, LeaderSpecialism, Objective, RequestNeed, Review,
        ReviewObjective, School, SupportRequest, SystemLeader, Visit)}
    return template.format(**tables, **pieces)


def requests_rows(scope: Scope) -> list[tuple]:
    """Every row of the statement: (kind, a, b, c, d, e, f, g, h, i, j, k) where, by kind,
    REQUEST: id, school, LA, status, progress, days wanted, sent, preferred start and end, NULL, and its need
    areas (of the chosen one, if any) as an array in k; LINK: leader id, NULL..., days per term in f, specialism
    in j, NULL; LEDGER: leader id, term key in b, NULL..., days on the ledger that term in f, NULL..."""
    partnership = scope.partnership.pk
    year_start, year_end = window(scope, whole_year=True)
    params: list = [RequestStatus.MATCHED.value, partnership, DeploymentStatus.REJECTED.value,
                    RequestStatus.MATCHED.value, partnership, year_start, year_end, RequestStatus.DRAFT.value]
    asked = _sql(ASKED_SQL)
    asked += _reach(scope, "r.school_id", "s", params)
    if scope.area is not None:
        asked += f" AND r.id IN (SELECT n.request_id FROM {_table(RequestNeed)} n WHERE n.partnership_id = %s " \
                 "AND n.specialism_id = %s)"
        params.extend([partnership, scope.area.pk])
    # Then the statement's other placeholders, in the order they come: the links, the need areas, the ledger.
    params.extend([partnership, LeaderStatus.ACTIVE.value])
    join, reach = _leaders(scope, params)
    link_filter = need_filter = ""
    if scope.area is not None:
        link_filter = " AND ls.specialism_id = %s"
        params.append(scope.area.pk)
    params.append(partnership)
    if scope.area is not None:
        need_filter = " AND n.specialism_id = %s"
        params.append(scope.area.pk)
    params.append(partnership)
    keys = _in([term.key for term in scope.calendar.year_terms(scope.year)], params)
    sql = _sql(REQUESTS_SQL, asked=asked, join=join, reach=reach, link_filter=link_filter,
               need_filter=need_filter, keys=keys, REQUEST=REQUEST, LINK=LINK, LEDGER=LEDGER)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# What each row of `deployments_rows` is.
DEPLOYMENT, REVIEW, RATING, VISIT, LEDGER_DAYS, GROUP = range(6)


def deployments_rows(scope: Scope) -> list[tuple]:
    """Queries 1, 4 and 5 of `reads` in one statement: the deployments (`reads._deployments`), then, for those
    that count in the period (approved or later, overlapping it), what `reads._days_and_reviews` reads of them.
    Each row is (kind, a, m, b, c, d, e, f, g, h, i, j, k, l, p, q); by kind:
    DEPLOYMENT: id, NULL, school, school name, LA, status, start, end, days, decided, request sent, leader's name
    and designation, NULL, NULL; REVIEW: id, deployment, kind, status, NULL, NULL, due on, NULL..., impact scores
    (leader's and headteacher's) in p and q; RATING: review id, deployment, NULL, rating, NULL, NULL, the review's
    due date, NULL...; VISIT: NULL, deployment, NULL, status, NULL..., days in h; LEDGER_DAYS: NULL, deployment,
    NULL..., days in h; GROUP (below the top level, `tables.groups`' query): cluster id (at LA level), NULL,
    school, cluster or school name, NULL... The deployments come first, by school name, start and id; the groups
    by name, then cluster id (at LA level) or school."""
    partnership = scope.partnership.pk
    window_start, window_end = window(scope)
    # The placeholders' values in the order they come in the statement.
    params: list = [partnership]
    chosen = _reach(scope, "d.school_id", "s", params)
    if scope.designation:
        chosen += " AND l.designation = %s"
        params.append(scope.designation)
    if scope.area is not None:
        chosen += f" AND d.id IN (SELECT o.deployment_id FROM {_table(Objective)} o WHERE o.partnership_id = %s " \
                  "AND o.area_id = %s)"
        params.extend([partnership, scope.area.pk])
    params.extend([scope.end, scope.start, window_start, window_end])
    counted_in = _in([status.value for status in DELIVERY_STATUSES], params)
    params.extend([scope.end, scope.start])
    params.extend([partnership, scope.start, scope.end])  # the reviews
    params.append(partnership)  # the ratings
    open_in = _in([status.value for status in OPEN_STATUSES], params)
    params.extend([ReviewStatus.SUBMITTED.value, ReviewStatus.AGREED.value, scope.end])
    params.extend([partnership, scope.start, scope.end])  # the visits
    params.append(partnership)  # the ledger
    keys = _in(scope.term_keys, params)
    groups = _groups(scope, params)
    sql = _sql(DEPLOYMENTS_SQL, chosen=chosen, counted_in=counted_in, open_in=open_in, keys=keys, groups=groups,
               DEPLOYMENT=DEPLOYMENT, REVIEW=REVIEW, RATING=RATING, VISIT=VISIT, LEDGER_DAYS=LEDGER_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _groups(scope: Scope, params: list) -> str:
    """The union's part for `tables.groups` below the top level: an LA's clusters with their schools, or a
    cluster's schools (in the LA officer's LAs; of the chosen phase)."""
    if scope.level not in ("la", "cluster"):
        return ""
    conditions = [f"gs.la_id IN {_in(scope.limited_las, params)}"] if scope.limited_las is not None else []
    if scope.level == "la":
        conditions.append("cs.partnership_id = %s AND c.academic_year = %s AND c.la_id = %s")
        params.extend([scope.partnership.pk, scope.year, scope.la])
        school_join = f" JOIN {_table(School)} gs ON gs.urn = cs.school_id" if scope.limited_las is not None else ""
        return f"""
        UNION ALL
        SELECT {GROUP}, cs.cluster_id, NULL, cs.school_id, c.name, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               NULL, NULL, NULL
        FROM {_table(ClusterSchool)} cs JOIN {_table(Cluster)} c ON c.id = cs.cluster_id{school_join}
        WHERE {" AND ".join(conditions)}"""
    conditions.append("cs.partnership_id = %s AND cs.cluster_id = %s")
    params.extend([scope.partnership.pk, scope.cluster.pk])
    if scope.phase:
        conditions.append("gs.phase = %s")
        params.append(scope.phase)
    return f"""
        UNION ALL
        SELECT {GROUP}, NULL, NULL, cs.school_id, gs.name, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               NULL, NULL
        FROM {_table(ClusterSchool)} cs JOIN {_table(School)} gs ON gs.urn = cs.school_id
        WHERE {" AND ".join(conditions)}"""
