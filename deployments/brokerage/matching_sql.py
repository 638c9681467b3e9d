"""Ranking in PostgreSQL: one statement scores every system leader and returns only the rows a page shows.

The rules and weights are those of `deployments.brokerage.scores`, and the answer is the Python ranking's
(`matching._rank_in_python`, tested against it on the demo data)."""

from __future__ import annotations

import math

from django.db import connection

from alliances.models import LeaderSpecialism, LeaderStatus, LocationAccuracy, School, SystemLeader
from deployments.brokerage.scores import (
    FAR_METRES,
    PHASE_FIELDS,
    Candidate,
    LeaderRow,
    Ranking,
    capacity_why_not,
    designation_fit,
    exclusions,
    review_overdue,
)
from deployments.models import CapacityEntry, Deployment, DeploymentStatus, Offer, OfferStatus
from portal.tenancy.models import Partnership
from portal.written_sql import table as _table

# Every leader's columns, then whether a rule excludes them, then the score of those left (the weights and
# rules of `scores`); the best candidates and the first excluded by name are picked, each with how many there
# are, and only those rows are joined to what the page shows of them (name, conflicts, home school, the reasons'
# numbers and whether the request is already offered to them).
# The home school's coordinates, trust and federation that judge and score every leader are read from the
# leader's own row (`home_easting`, `home_northing`, `home_trust_code`, `home_federation_code`), a copy that
# PostgreSQL triggers keep equal to the school's (alliances migration 0009): joining 12,000 leaders to 46,000
# schools took half the statement's time. The capacity as a double and the consent are stored columns too
# (`matching_capacity`, `matching_consent`, deployments migration 0012): casting a numeric to a double is slow.
# Each value is worked out once per leader: `leaders` and the rules over it are kept from being inlined
# (OFFSET 0), which copied the cast and the distance into every rule and the score that used them. What is kept
# of each leader for picking and counting (`judged`) is narrow (id, name, last deployed, excluded, asked, score),
# and only the leaders asked for and not excluded are scored. The counts are one pass over it (a window count
# over the candidates copied each of their rows).
# How the rows picked are joined to their home school ({home_join}). The page's 150 rows are looked up by the
# school's key. With every row asked for (no limits, or a distance filter) the join is
# `(home.urn || '') = leader.home_school_id`: the same rows, but PostgreSQL hashes them and reads the schools'
# narrow `school_home_columns` index once (about 7 ms for 46,000 schools) rather than looking up 12,000 schools
# one at a time (about 100 ms), which its low estimate of the rows picked otherwise leads it to choose.
KEY_JOIN = "home.urn = leader.home_school_id"
HASHED_JOIN = "(home.urn || '') = leader.home_school_id"
# The candidates asked for: of a designation, within a distance (each optional).
ASKED = ("(%(designation)s = '' OR designation = %(designation)s) "
         "AND (%(within_metres)s::float8 IS NULL OR metres <= %(within_metres)s::float8)")
# Whether the request is already offered to a leader shown (an open offer): the page marks them "Offered".
OFFERED = ("EXISTS (SELECT 1 FROM {offers} offer WHERE offer.partnership_id = %(partnership)s "
           "AND offer.request_id = %(request)s AND offer.leader_id = picked.id AND offer.status = %(open)s)")
# The leaders who declared a conflict of interest (the partial index `leader_declared_conflicts`).
DECLARED_SQL = "SELECT id, conflicts FROM {leaders} WHERE partnership_id = %(partnership)s AND NOT (conflicts = '') ORDER BY id"
# With few rows picked (the page's 150), `judged` keeps only what picking and counting need, and the numbers
# behind the reasons shown (need areas covered, past deployments, days committed) are looked up for the rows
# picked alone: carrying them for all 12,000 leaders cost more than the lookups. With every row asked for they
# are carried (150 lookups are cheap; 12,000 are not).
SHOWN_JOINS = """
    LEFT JOIN LATERAL (
        SELECT COUNT(*) AS n FROM {leader_specialisms} WHERE partnership_id = %(partnership)s AND leader_id = picked.id
        AND specialism_id = ANY(%(needs)s::bigint[])) shown_covered ON TRUE
    LEFT JOIN LATERAL (
        SELECT COUNT(*) FILTER (WHERE status = %(completed)s) AS completed,
               COUNT(*) FILTER (WHERE status = %(stopped)s) AS stopped
        FROM {deployments} WHERE partnership_id = %(partnership)s AND leader_id = picked.id
        AND status = ANY(%(went_ahead)s::text[])) shown_history ON TRUE"""
SHOWN_COMMITTED_JOIN = """
    LEFT JOIN LATERAL (
        SELECT {sums} FROM {capacity}
        WHERE partnership_id = %(partnership)s AND leader_id = picked.id AND term_key = ANY(%(keys)s::text[])
    ) shown_committed ON TRUE"""
SCORING_SQL = """
    WITH
    covered AS (
        SELECT leader_id, COUNT(*) AS n FROM {leader_specialisms}
        WHERE partnership_id = %(partnership)s AND specialism_id = ANY(%(needs)s::bigint[]) GROUP BY leader_id),
    history AS (
        SELECT leader_id, COUNT(*) FILTER (WHERE status = %(completed)s) AS completed,
               COUNT(*) FILTER (WHERE status = %(stopped)s) AS stopped,
               MAX(CASE WHEN status IN (%(completed)s, %(stopped)s) AND closed_at IS NOT NULL
                        THEN (closed_at AT TIME ZONE 'Europe/London')::date ELSE end_date END) AS last
        FROM {deployments} WHERE partnership_id = %(partnership)s AND status = ANY(%(went_ahead)s::text[])
        GROUP BY leader_id),
    committed AS (
        SELECT leader_id{committed_sums} FROM {capacity}
        WHERE partnership_id = %(partnership)s AND term_key = ANY(%(keys)s::text[]) GROUP BY leader_id),
    leaders AS (
        SELECT leader.id, leader.name, leader.designation, leader.status, leader.matching_capacity AS capacity,
               leader.matching_consent AS consent,
               {phase} AS phase_ok, leader.home_school_id AS urn, leader.home_trust_code AS trust_code,
               leader.home_federation_code AS federation_code, leader.review_due,
               (SELECT overdue_leaders_in_matching FROM {partnerships} WHERE id = %(partnership)s) AS overdue_setting,
               COALESCE(covered.n, 0) AS covered,
               COALESCE(history.completed, 0) AS completed, COALESCE(history.stopped, 0) AS stopped,
               history.last, {metres} AS metres{committed_columns}
        FROM {leaders} leader
        LEFT JOIN covered ON covered.leader_id = leader.id
        LEFT JOIN history ON history.leader_id = leader.id
        LEFT JOIN committed ON committed.leader_id = leader.id
        WHERE leader.partnership_id = %(partnership)s AND leader.status <> %(de_designated)s
        OFFSET 0),
    judged AS MATERIALIZED (
        SELECT id, name, last, excluded, asked{judged_numbers},
               CASE WHEN excluded OR NOT asked THEN NULL ELSE ROUND(
            (CASE WHEN %(needed)s > 0 THEN (35 * covered)::float8 / %(needed)s ELSE 0.0::float8 END)
            + (CASE WHEN phase_ok THEN 15 ELSE 0 END)
            + 15 * (CASE designation WHEN 'NLG' THEN %(fit_nlg)s::float8 WHEN 'NLE' THEN %(fit_nle)s::float8
                    WHEN 'LLE' THEN %(fit_lle)s::float8 WHEN 'SLE' THEN %(fit_sle)s::float8
                    ELSE %(fit_other)s::float8 END)
            + COALESCE(15 * GREATEST(0.0::float8, 1 - metres / {far}::float8), 0.0::float8)
            + {capacity_points}
            + 10 * (CASE WHEN completed + stopped > 0 THEN completed::float8 / (completed + stopped)
                         ELSE 0.5::float8 END)
        )::int END AS score
        FROM (
            SELECT leaders.*, (
                status <> %(active)s OR NOT consent OR urn = %(urn)s
                OR (%(trust)s <> '' AND trust_code = %(trust)s)
                OR (%(federation)s <> '' AND federation_code = %(federation)s)
                OR id = ANY(%(conflicted)s::bigint[]) OR capacity <= 0 OR {short}
                OR (overdue_setting = 'exclude' AND review_due < %(today)s)
            ) AS excluded, {asked} AS asked
            FROM leaders OFFSET 0) leaders),
    counts AS (
        SELECT COUNT(*) FILTER (WHERE NOT excluded AND asked) AS ranked, COUNT(*) FILTER (WHERE excluded) AS excluded
        FROM judged),
    picked AS (
        (SELECT TRUE AS candidate, judged.* FROM judged WHERE NOT excluded AND asked
         ORDER BY score DESC, last ASC NULLS FIRST, name COLLATE "C", id LIMIT %(limit)s)
        UNION ALL
        (SELECT FALSE, judged.* FROM judged WHERE excluded
         ORDER BY name COLLATE "C", id LIMIT %(excluded_limit)s))
    SELECT picked.candidate, CASE WHEN picked.candidate THEN counts.ranked ELSE counts.excluded END, picked.id,
           picked.name, leader.designation, leader.status, leader.conflicts, leader.matching_capacity,
           leader.matching_consent, {phase}, home.urn, home.name, home.easting, home.northing, home.trust_code,
           home.federation_code, home.location_accuracy, leader.review_due,
           (SELECT overdue_leaders_in_matching FROM {partnerships} WHERE id = %(partnership)s),
           {shown_numbers}, picked.last, {metres}{shown_committed}, NOT picked.candidate, picked.score, {offered}
    FROM picked CROSS JOIN counts
    JOIN {leaders} leader ON leader.id = picked.id
    JOIN {schools} home ON {home_join}{shown_joins}
    ORDER BY picked.candidate DESC, picked.score DESC, CASE WHEN picked.candidate THEN picked.last END ASC NULLS FIRST,
             picked.name COLLATE "C", picked.id
"""


def rank_in_sql(*, partnership, school, need_ids, need_groups, wanted, support_level, include_excluded, today, limit,
                 excluded_limit, designation, within_km, request_id: int | None = None) -> Ranking:
    """The same ranking as `_rank_in_python`, scored by PostgreSQL; only the rows shown come back.

    Every term of the score is a double precision value added in the order the Python ranking adds them, and
    PostgreSQL's round() of a double rounds half to even as Python's does, so the scores are the same."""
    partnership_id = getattr(partnership, "pk", partnership)
    needed = len(set(need_ids))
    phase_field = PHASE_FIELDS.get(school.phase)
    school_words = tuple(word for word in (school.urn, school.name.lower()) if word)
    fits = {code: designation_fit(code, support_level, need_groups) for code in ("NLG", "NLE", "LLE", "SLE")}
    # A declared conflict that names the school, matched in Python (with the rule's own lower()) over the few
    # leaders who declared anything (read from the partial index `leader_declared_conflicts`).
    # Written out rather than built by the ORM each time (about a millisecond of Python a page).
    with connection.cursor() as cursor:
        cursor.execute(DECLARED_SQL.format(leaders=_table(SystemLeader)), {"partnership": partnership_id})
        conflicted = [pk for pk, text in cursor.fetchall() if any(word in text.lower() for word in school_words)]
    has_coordinates = school.easting is not None and school.northing is not None
    params: dict[str, object] = {
        "partnership": partnership_id, "needs": sorted(set(need_ids)), "needed": needed, "urn": school.urn,
        "trust": school.trust_code or "", "federation": school.federation_code or "", "conflicted": conflicted,
        "easting": school.easting, "northing": school.northing,
        "went_ahead": [DeploymentStatus.APPROVED.value, DeploymentStatus.ACTIVE.value, DeploymentStatus.PAUSED.value,
                       DeploymentStatus.COMPLETED.value, DeploymentStatus.STOPPED.value],
        "completed": DeploymentStatus.COMPLETED.value, "stopped": DeploymentStatus.STOPPED.value,
        "active": LeaderStatus.ACTIVE.value, "de_designated": LeaderStatus.DE_DESIGNATED.value, "today": today, "keys": [key for key, _, _ in wanted], "designation": designation,
        # A distance filter is applied exactly in Python (as the distance is shown, rounded to 0.1 km); the
        # database only drops those clearly further away.
        "within_metres": None if within_km is None else (float(within_km) + 0.1) * 1000,
        "limit": None if within_km is not None else limit, "excluded_limit": excluded_limit if include_excluded else 0,
        **{f"fit_{code.lower()}": fit for code, (fit, _) in fits.items()},
        "fit_other": designation_fit("", support_level, need_groups)[0],
        "request": request_id, "open": OfferStatus.OPEN.value,
    }
    for index, (key, _, asked) in enumerate(wanted):
        params[f"key{index}"] = key
        params[f"asked{index}"] = asked
    few = params["limit"] is not None and params["excluded_limit"] is not None
    fragments = _fragments(wanted, has_coordinates=has_coordinates, phase_field=phase_field, few=few)
    sql = SCORING_SQL.format(
        leader_specialisms=_table(LeaderSpecialism), deployments=_table(Deployment), capacity=_table(CapacityEntry),
        leaders=_table(SystemLeader), schools=_table(School), partnerships=_table(Partnership),
        far=repr(float(FAR_METRES)), asked=ASKED,
        offered=OFFERED.format(offers=_table(Offer)) if request_id is not None else "FALSE",
        home_join=KEY_JOIN if few else HASHED_JOIN,
        **fragments)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    ranked, ranked_count, excluded, excluded_count, offered = _candidates(
        rows, school=school, wanted=wanted, needed=needed, phase_field=phase_field, support_level=support_level,
        need_groups=need_groups, has_coordinates=has_coordinates, today=today)
    if within_km is not None:
        ranked = [c for c in ranked if c.distance_km is not None and c.distance_km <= within_km]
        ranked_count = len(ranked)
        ranked = ranked[:limit]
    return Ranking(ranked, ranked_count, excluded, excluded_count,
                   offered=None if request_id is None else frozenset(offered))


def _candidates(rows, *, school, wanted, needed, phase_field, support_level, need_groups, has_coordinates, today):
    """The rows that came back as candidates (with the reasons for their scores) and excluded leaders (with why
    not), how many of each there are, and the candidates shown who have an open offer of the request."""
    phase_label = school.get_phase_display().lower() if phase_field else ""
    school_words = tuple(word for word in (school.urn, school.name.lower()) if word)
    status_labels = dict(LeaderStatus.choices)
    width = len(wanted)
    reasons: dict[str, str] = {}
    district = LocationAccuracy.DISTRICT.value
    school_approximate = school.location_accuracy == district
    ranked, excluded, ranked_count, excluded_count, offered = [], [], 0, 0, []
    for row in rows:
        (is_candidate, count, pk, name, designation_, status, conflicts, capacity, consent, phase_ok, urn, home_name,
         easting, northing, trust, federation, accuracy, review_due, overdue_setting, covered, completed, stopped, last,
         _metres, *rest) = row
        overdue_why_not, flags = review_overdue(review_due, today, overdue_setting)
        room = tuple([(label, capacity - (c if c is not None else 0.0), asked)
                      for (_, label, asked), c in zip(wanted, rest[:width], strict=True)])
        leader = LeaderRow(pk, name, designation_, home_name)
        if not is_candidate:
            excluded_count = count
            why_not = exclusions(school, school_words, status, consent, urn, trust, federation, conflicts,
                                  status_labels) + overdue_why_not + capacity_why_not(room, capacity)
            excluded.append(Candidate(leader, why_not=why_not))
            continue
        ranked_count = count
        if rest[width + 2]:
            offered.append(pk)
        distance_km = None
        if has_coordinates and easting is not None and northing is not None:
            distance_km = round(math.hypot(easting - school.easting, northing - school.northing) / 1000, 1)
        if designation_ not in reasons:
            reasons[designation_] = designation_fit(designation_, support_level, need_groups)[1]
        ranked.append(Candidate(
            leader, score=rest[width + 1], distance_km=distance_km,
            distance_approximate=distance_km is not None and (school_approximate or accuracy == district),
            covered=covered, needed=needed,
            phase_label=phase_label, phase_ok=None if phase_field is None else bool(phase_ok),
            designation_reason=reasons[designation_], room=room, completed=completed, stopped=stopped,
            last_deployed=last, flags=flags))
    return ranked, ranked_count, excluded, excluded_count, offered


def _fragments(wanted, *, has_coordinates: bool, phase_field: str | None, few: bool) -> dict[str, str]:
    """The parts of the statement that depend on the question: one committed-days column per requested term,
    the capacity rules and points over them, the distance and the phase column; and, for `few` rows picked, the
    lookups of the numbers shown (`SHOWN_JOINS`) instead of carrying them for every leader."""
    committed_sums = "".join(f", (SUM(days) FILTER (WHERE term_key = %(key{i})s))::float8 AS c{i}"
                             for i in range(len(wanted)))
    committed_columns = "".join(f", committed.c{i}" for i in range(len(wanted)))
    if few:
        judged_numbers = ""
        shown_numbers = ("COALESCE(shown_covered.n, 0), COALESCE(shown_history.completed, 0), "
                         "COALESCE(shown_history.stopped, 0)")
        shown_committed = "".join(f", shown_committed.c{i}" for i in range(len(wanted)))
        shown_joins = SHOWN_JOINS.format(leader_specialisms=_table(LeaderSpecialism), deployments=_table(Deployment))
        if wanted:
            shown_joins += SHOWN_COMMITTED_JOIN.format(sums=committed_sums.removeprefix(", "),
                                                       capacity=_table(CapacityEntry))
    else:
        judged_numbers = ", covered, completed, stopped" + "".join(f", c{i}" for i in range(len(wanted)))
        shown_numbers = "picked.covered, picked.completed, picked.stopped"
        shown_committed = "".join(f", picked.c{i}" for i in range(len(wanted)))
        shown_joins = ""
    lefts = [f"(capacity - COALESCE(c{i}, 0.0::float8))" for i in range(len(wanted))]
    short = " OR ".join(f"{left} <= 0 OR {left} < %(asked{i})s::float8" for i, left in enumerate(lefts)) or "FALSE"
    shares = [f"LEAST(1.0::float8, GREATEST(0.0::float8, ({left} - %(asked{i})s::float8) / %(asked{i})s::float8))"
              for i, (left, (_, _, asked)) in enumerate(zip(lefts, wanted, strict=True)) if asked]
    capacity_points = f"10 * LEAST({', '.join(shares)})" if shares else "0.0::float8"
    # Each difference times itself rather than `^ 2` (pow(), several times slower): the coordinates are whole metres,
    # so every square and their sum are exact doubles and the two give the same bits.
    east, north = "(leader.home_easting::float8 - %(easting)s)", "(leader.home_northing::float8 - %(northing)s)"
    metres = f"SQRT({east} * {east} + {north} * {north})" if has_coordinates else "NULL::float8"
    phase = f"leader.{connection.ops.quote_name(phase_field)}" if phase_field else "NULL::boolean"
    return {"committed_sums": committed_sums, "committed_columns": committed_columns,
            "judged_numbers": judged_numbers, "shown_numbers": shown_numbers, "shown_committed": shown_committed,
            "shown_joins": shown_joins,
            "short": short,
            "capacity_points": capacity_points, "metres": metres, "phase": phase}
