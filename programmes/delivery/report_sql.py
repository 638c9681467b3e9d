"""The programme reports' reads written out as one statement for PostgreSQL.

Django built five querysets on every request (the filters' years and programmes, the places per school, the scores
by school, the clusters, the waitlists), which cost about as much as running them; written here once, it is one
statement reading the same rows from the same tables under the same filters, each list a JSON array in its own
column, in the order the querysets gave. Differences in *how*, not *what*: the places per school come from the
counts the triggers keep (`SchoolPlaceCounts`), and the waitlists from the counts kept by cohort with its year,
programme and name (`CohortWaitingCount`; an LA officer's count their LAs' places by cohort before the cohorts are
joined). SQLite (and `reports.read_by_orm`, the reference) keep the querysets;
`tests/programmes/delivery/test_report_sql.py` compares the two for each filter.
"""

from __future__ import annotations

import json
from datetime import date

from django.db import connection
from django.utils.safestring import mark_safe

from alliances.models import Cluster, ClusterSchool, LocalAuthority, School
from portal.ui.paging import HIGHEST_READ_PAGE
from portal.written_sql import in_list as _in
from portal.written_sql import table as _table
from programmes.models import (
    Cohort,
    CohortWaitingCount,
    Evaluation,
    Place,
    PlaceStatus,
    Programme,
    SchoolImpact,
    SchoolPlaceCounts,
)
from programmes.templatetags.programme_reports import WAITLIST_ROW

WAITLIST_PAGE = 50  # cohorts on a page of the waitlists (2,000 cohorts have people waiting in seed_scale's year)

# {Model} is its table; {counts_join}, {counts_filter}, {places_join}, {places_filter}, {waitlists} and {inputs}
# are filled in for the filters. A SELECT from its WITH, so the connection prepares it once
# (`portal.tenancy.postgresql.prepared` prepares statements that start with SELECT). `chosen` (the year's places
# under the filters) is written into each list that reads it (NOT MATERIALIZED), so each reads its own index.
STATEMENT = """
        SELECT * FROM (WITH counted AS (
            SELECT k.school_id, SUM(k.accepted) AS participants,
                   COALESCE(SUM(k.accepted) FILTER (WHERE k.ends_on < %s), 0) AS ended,
                   COALESCE(SUM(k.completed) FILTER (WHERE k.ends_on < %s), 0) AS completed,
                   SUM(k.waitlisted) AS waitlisted
            FROM {SchoolPlaceCounts} k{counts_join}
            WHERE k.partnership_id = %s AND k.academic_year = %s{counts_filter}
            GROUP BY k.school_id HAVING SUM(k.places) > 0),
        chosen AS NOT MATERIALIZED (
            SELECT p.id, p.school_id, p.cohort_id, p.status
            FROM {Place} p JOIN {Cohort} c ON c.id = p.cohort_id{places_join}
            WHERE p.partnership_id = %s AND c.academic_year = %s{places_filter}){waiting}
        SELECT
            (SELECT json_agg(json_build_array(k.school_id, s.name, la.name, s.phase, k.participants, k.ended,
                                              k.completed, k.waitlisted) ORDER BY k.school_id)
             FROM counted k JOIN {School} s ON s.urn = k.school_id
                  LEFT JOIN {LocalAuthority} la ON la.code = s.la_id)::text,
            (SELECT json_agg(json_build_array(e.school_id, e.n, e.total))
             FROM (SELECT a.school_id, COUNT(*) AS n, SUM(v.impact) AS total
                   FROM {Evaluation} v JOIN chosen a ON a.id = v.place_id
                   WHERE v.partnership_id = %s AND a.status = {accepted} GROUP BY a.school_id) e)::text,
            (SELECT json_agg(json_build_array(e.school_id, e.n, e.total))
             FROM (SELECT a.school_id, COUNT(*) AS n, SUM(v.impact) AS total
                   FROM {SchoolImpact} v JOIN chosen a ON a.id = v.place_id
                   WHERE v.partnership_id = %s AND v.impact IS NOT NULL AND a.status = {accepted}
                   GROUP BY a.school_id) e)::text,
            (SELECT json_agg(json_build_array(cs.school_id, cl.name) ORDER BY cl.name)
             FROM {ClusterSchool} cs JOIN {Cluster} cl ON cl.id = cs.cluster_id
             WHERE cs.partnership_id = %s AND cl.academic_year = %s
                   AND cs.school_id IN (SELECT school_id FROM counted))::text{waitlists}{inputs}) found"""
# The waitlists' table rows, written as `programme_reports.waitlist_rows` writes them (text escaped as
# `html.escape` escapes it, in its order), most waiting first, then by programme (its title's place among the
# partnership's titles: integers to compare, in the titles' order) and cohort name. Thousands of rows at scale:
# no Python object per row. The waiting places are counted by cohort before the cohorts are joined (once: for
# the year, the programme and the name), and sorted in a subquery whose order `string_agg` keeps (it has no
# join or grouping of its own), so the rows are sorted by their keys, not carried through the sort as text. The
# count and the title's place are one key (most waiting first, then the first title: a title's place is far
# below 2^32), so only a cohort's name breaks a tie: with the count alone first (a few distinct counts), most of
# the sort's comparisons tied on it and went on to the slower comparison of the other keys.
ESCAPED = ("replace(replace(replace(replace(replace({}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '\"', '&quot;'), "
           "'''', '&#x27;')")
WAITLISTS = """,
            (SELECT string_agg({row}, '')
             FROM (SELECT w.name, g.title, w.waiting
                   FROM waiting w
                        JOIN (SELECT id, {title} AS title, dense_rank() OVER (ORDER BY title) AS position
                              FROM {Programme} WHERE partnership_id = %s) g ON g.id = w.programme_id
                   ORDER BY w.waiting * 4294967296 - g.position DESC, w.name
                   LIMIT {per_page} OFFSET {per_page} * (SELECT CASE WHEN %s BETWEEN 1 AND n.pages THEN %s - 1
                                                                    ELSE GREATEST(n.pages - 1, 0) END
                                                         FROM (SELECT (COUNT(*) + {last}) / {per_page} AS pages
                                                               FROM waiting) n)) AS w (name, title, waiting)),
            (SELECT COUNT(*) FROM waiting)"""
# The cohorts with people waiting under the filters, each with its count: read once (a WITH read three times is
# materialised) for the page of rows, the count of pages that places the page (a number past the last page or
# below 1 gives the last page, as `portal.ui.paging` reads ?page=) and the count of all.
WAITING = """,
        waiting AS (
            SELECT c.name, c.programme_id, w.waiting
            FROM (SELECT p.cohort_id, COUNT(*) AS waiting FROM {Place} p{waiting_join}
                  WHERE p.partnership_id = %s AND p.status = {waitlisted}{waiting_filter} GROUP BY p.cohort_id) w
                 JOIN {Cohort} c ON c.id = w.cohort_id AND c.academic_year = %s{cohort_filter})"""
# Without an LA filter, the counts the triggers keep by cohort (`CohortWaitingCount`), with the cohort's year,
# programme and name: no place is read and no cohort joined. An LA officer's waitlists count their LAs' places.
WAITING_KEPT = """,
        waiting AS (
            SELECT k.name, k.programme_id, k.waiting FROM {CohortWaitingCount} k
            WHERE k.partnership_id = %s AND k.academic_year = %s AND k.waiting > 0{kept_filter})"""
INPUTS = """,
            (SELECT json_agg(json_build_array(g.id, g.title) ORDER BY g.title, g.id)
             FROM {Programme} g WHERE g.partnership_id = %s)::text,
            (SELECT json_agg(y.academic_year ORDER BY y.academic_year)
             FROM (SELECT DISTINCT c.academic_year FROM {Cohort} c WHERE c.partnership_id = %s) y)::text"""


def _sql(template: str, **pieces) -> str:
    tables = {model.__name__: _table(model) for model in (
        Cluster, ClusterSchool, Cohort, CohortWaitingCount, Evaluation, LocalAuthority, Place, Programme, School, SchoolImpact,
        SchoolPlaceCounts)}
    # The statuses are written in, not parameters: PostgreSQL then estimates the rows of each the same for any
    # parameters and keeps one plan for the prepared statement instead of planning it on every run (with a
    # parameter its generic plan counted every status's places, costed higher than each run's own plan).
    statuses = {"accepted": _literal(PlaceStatus.ACCEPTED.value), "waitlisted": _literal(PlaceStatus.WAITLISTED.value)}
    return template.format(**tables, **statuses, **pieces)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def _waitlist_row() -> str:
    """`WAITLIST_ROW` as an SQL expression of the sorted rows `w`: the cohort's name, its programme's escaped
    title and the count waiting."""
    head, between, numeric, tail = WAITLIST_ROW.split("{}")
    return " || ".join([_literal(head), ESCAPED.format("w.name"), _literal(between), "w.title", _literal(numeric),
                        "w.waiting::text", _literal(tail)])


def _readable(page: int) -> int:
    """?page= as the statement reads it: a number beyond any count (or below 1) is the last page either way, and
    must fit PostgreSQL's integer."""
    return page if 1 <= page <= HIGHEST_READ_PAGE else 0


def _list(text: str | None) -> list:
    return json.loads(text) if text is not None else []


def _waiting(*, partnership_id: int, year: str, programme_id: str, limited_las: list[str] | None,
             page: int) -> tuple[str, list, str, list]:
    """`WAITING` (the WITH) and `WAITLISTS` (the columns) for the filters and ?page=, each with its parameters."""
    columns = _sql(WAITLISTS, row=_waitlist_row(), title=ESCAPED.format("title"), per_page=WAITLIST_PAGE,
                   last=WAITLIST_PAGE - 1)
    if limited_las is None:
        params: list = [partnership_id, year]
        if programme_id:
            params.append(int(programme_id))
        kept_filter = " AND k.programme_id = %s" if programme_id else ""
        return _sql(WAITING_KEPT, kept_filter=kept_filter), params, columns, [partnership_id, page, page]
    params = [partnership_id]
    pieces = {"waiting_join": f" JOIN {_table(School)} ws ON ws.urn = p.school_id",
              "waiting_filter": f" AND ws.la_id IN {_in(limited_las, params)}", "cohort_filter": ""}
    params.append(year)
    if programme_id:
        pieces["cohort_filter"] = " AND c.programme_id = %s"
        params.append(int(programme_id))
    return _sql(WAITING, **pieces), params, columns, [partnership_id, page, page]


def report_rows(*, partnership_id: int, year: str, programme_id: str, limited_las: list[str] | None, today: date,
                waitlists: bool, inputs: bool, page: int = 1) -> dict:
    """What `reports.read_by_orm` reads, as it gives it: `per_school` (dicts as `report_counts.per_school` gives
    them), `evaluations` and `answers` ({school: (how many, sum of scores)}), `clusters` ({school: cluster names
    by name}), `waitlists` (their table's rows, written: the HTML `programme_reports.waitlist_rows` writes of
    the rows `reports.read_by_orm` reads; [] without `waitlists`); with `inputs`, also `years` and
    `programmes` as `reports.report_inputs` gives them."""
    params: list = [today, today, partnership_id, year]
    counts_join = places_join = counts_filter = places_filter = ""
    if programme_id:
        counts_filter += " AND k.programme_id = %s"
        params.append(int(programme_id))
    if limited_las is not None:
        counts_join = f" JOIN {_table(School)} ks ON ks.urn = k.school_id"
        counts_filter += f" AND ks.la_id IN {_in(limited_las, params)}"
    params.extend([partnership_id, year])
    if programme_id:
        places_filter += " AND c.programme_id = %s"
        params.append(int(programme_id))
    if limited_las is not None:
        places_join = f" JOIN {_table(School)} ps ON ps.urn = p.school_id"
        places_filter += f" AND ps.la_id IN {_in(limited_las, params)}"
    waiting, columns = "", ""
    if waitlists:
        waiting, waiting_params, columns, columns_params = _waiting(
            partnership_id=partnership_id, year=year, programme_id=programme_id, limited_las=limited_las,
            page=_readable(page))
        params.extend(waiting_params)
    params.extend([partnership_id, partnership_id, partnership_id, year])
    if waitlists:
        params.extend(columns_params)
    if inputs:
        params.extend([partnership_id, partnership_id])
    sql = _sql(STATEMENT, counts_join=counts_join, counts_filter=counts_filter, places_join=places_join,
               places_filter=places_filter, waiting=waiting, waitlists=columns, inputs=_sql(INPUTS) if inputs else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    clusters: dict[str, list[str]] = {}
    for urn, name in _list(row[3]):
        clusters.setdefault(urn, []).append(name)
    found = {
        "per_school": [{"school_id": urn, "school__name": name, "school__la__name": la, "school__phase": phase,
                        "participants": participants, "ended": ended, "completed": completed,
                        "waitlisted": waitlisted}
                       for urn, name, la, phase, participants, ended, completed, waitlisted in _list(row[0])],
        "evaluations": {urn: (n, total or 0) for urn, n, total in _list(row[1])},
        "answers": {urn: (n, total or 0) for urn, n, total in _list(row[2])},
        "clusters": clusters,
        "waitlists": mark_safe(row[4] or "") if waitlists else [],
        "waitlist_count": row[5] if waitlists else 0,
    }
    if inputs:
        at = 6 if waitlists else 4
        found["programmes"] = [(pk, title) for pk, title in _list(row[at])]
        found["years"] = _list(row[at + 1])
    return found
