"""Ranking system leaders for a request: a score with the reasons for it, and the reasons others are excluded.

Score out of 100: need areas covered (35), phase (15), designation suited to the support level (15),
distance from home school to supported school (15), days to spare after the days asked, in the tightest of
the terms the requested dates fall in (10), past deployments completed rather than stopped early (10; 5 for no history yet).
Excluded outright: not active, no release consent from their home school, the same school, the same trust
or federation, a declared conflict naming the school, fewer days left than asked in any term the request's
dates fall in. Those terms and days come from `deployments.terms`, the same answer accepting an offer
holds days by, so a leader shown here can always accept. Ties go to the leader
deployed least recently (never deployed first), then to the name, so work is spread fairly.

On PostgreSQL the database does the work (`_rank_in_sql`): one statement scores every leader with the same
arithmetic in the same order (double precision, as Python's floats; `round` to even, as Python's) and returns
only the best `limit` candidates and the first `excluded_limit` excluded leaders by name, with both counts; the
reasons are then written for those rows alone. Elsewhere (SQLite, for `make run`) `_rank_in_python` builds and
scores every leader in Python; tests check that both give the same answer on the demo data.
Five queries either way, whatever the number of leaders or deployments.
"""

from __future__ import annotations

import gc
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import BooleanField, Case, Count, DateField, ExpressionWrapper, F, FloatField, Max, Q, Sum, When
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from alliances.models import LeaderSpecialism, LeaderStatus, Phase, School, SystemLeader
from deployments.models import CapacityEntry, Deployment, DeploymentStatus, RequestNeed
from deployments.terms import requested_days_by_term
from portal.calendar.schooldays import LONDON
from portal.calendar.services import school_calendar
from portal.days import days_phrase, days_text
from portal.formats import date_text

WEIGHTS = {"needs": 35, "phase": 15, "designation": 15, "distance": 15, "capacity": 10, "outcomes": 10}
FAR_METRES = 50_000
LEADERSHIP_GROUPS = {"leadership", "governance"}
PHASE_COLUMNS = ("phase_early_years", "phase_primary", "phase_secondary", "phase_special", "phase_post16")
PHASE_FIELDS = {
    Phase.NURSERY: "phase_early_years", Phase.PRIMARY: "phase_primary", Phase.MIDDLE_PRIMARY: "phase_primary",
    Phase.SECONDARY: "phase_secondary", Phase.MIDDLE_SECONDARY: "phase_secondary", Phase.SIXTEEN_PLUS: "phase_post16",
    Phase.ALL_THROUGH: "phase_secondary",
}


class LeaderRow(NamedTuple):
    """Just what ranking shows of a system leader (a tuple: 12,000 of them are built per ranking)."""

    pk: int
    name: str
    designation: str
    home_name: str


@dataclass(slots=True)
class Candidate:
    leader: LeaderRow
    score: int = 0
    why_not: list[str] = field(default_factory=list)
    distance_km: float | None = None
    # What the score is made of, turned into sentences only when shown.
    covered: int = 0
    needed: int = 0
    phase_label: str = ""
    phase_ok: bool | None = None
    designation_reason: str = ""
    # (term label, days left, days asked) for each term the request's dates fall in
    room: tuple[tuple[str, float, float], ...] = ()
    completed: int = 0
    stopped: int = 0
    last_deployed: date | None = None

    @property
    def excluded(self) -> bool:
        return bool(self.why_not)

    @property
    def why(self) -> list[str]:
        reasons = []
        if self.needed:
            reasons.append(f"covers {self.covered} of {self.needed} need areas")
        if self.phase_ok is not None:
            reasons.append(f"works in {self.phase_label}" if self.phase_ok else f"does not list {self.phase_label}")
        reasons.append(self.designation_reason)
        reasons.append(f"{self.distance_km} km away" if self.distance_km is not None else "distance unknown (no coordinates)")
        for label, left, asked in self.room:
            if asked:
                reasons.append(f"{days_phrase(left)} left in the {label.lower()} for {days_text(asked)} asked")
        if self.completed or self.stopped:
            reasons.append(f"{self.completed} deployment{'s' if self.completed != 1 else ''} completed, "
                           f"{self.stopped} stopped early")
        else:
            reasons.append("no past deployments to go on")
        if self.last_deployed is None:
            reasons.append("not deployed before")
        elif self.last_deployed < timezone.localdate():
            reasons.append(f"last deployed {date_text(self.last_deployed)}")
        else:
            reasons.append(f"deployed until {date_text(self.last_deployed)}")
        return reasons


def _designation_fit(designation: str, support_level: str, need_groups: set[str]) -> tuple[float, str]:
    if "governance" in need_groups and designation == "NLG":
        return 1.0, "a national leader of governance for a governance need"
    if support_level == "intensive" or need_groups & LEADERSHIP_GROUPS:
        if designation in ("NLE", "LLE"):
            return 1.0, f"an experienced head ({designation}) for leadership or intensive support"
        return 0.4, f"{designation} rather than a head for leadership or intensive support"
    if designation == "SLE":
        return 1.0, "a specialist leader (SLE) for targeted support"
    return 0.7, f"{designation} for targeted support"


def _leader_rows(partnership) -> list[tuple]:
    queryset = SystemLeader.objects.filter(partnership=partnership).annotate(
        capacity=Cast("capacity_days_per_term", FloatField()),
        consent=ExpressionWrapper(Q(release_consent_by__gt="") & Q(release_consent_on__isnull=False),
                                  output_field=BooleanField()),
    ).order_by().values_list(  # no ORDER BY: the ranking sorts what it keeps
        "pk", "name", "designation", "status", "capacity", "consent", "conflicts", *PHASE_COLUMNS,
        "home_school__urn", "home_school__name", "home_school__easting", "home_school__northing",
        "home_school__trust_code", "home_school__federation_code",
    )
    # The ORM builds (and scopes) the query; the cursor skips per-row model work.
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _committed(partnership, keys: list[str]) -> dict[tuple[int, str], float]:
    """Days each leader has held or committed in the terms `keys` (one query)."""
    rows = (CapacityEntry.objects.filter(partnership=partnership, term_key__in=keys).values("leader_id", "term_key")
            .annotate(total=Sum("days")).values_list("leader_id", "term_key", "total"))
    return {(leader_id, key): float(total) for leader_id, key, total in rows}


def _room(pk: int, capacity: float, wanted: list[tuple[str, str, float]], committed) -> tuple:
    """(label, days left, days asked) per term the request falls in, for one leader."""
    return tuple((label, capacity - committed.get((pk, key), 0.0), asked) for key, label, asked in wanted)


def _capacity_why_not(room: tuple, capacity: float) -> list[str]:
    if capacity <= 0:
        return ["no capacity (0 days a term)"]
    why_not = []
    for label, left, asked in room:
        if left <= 0:
            why_not.append(f"no days left in the {label.lower()}")
        elif left < asked:
            why_not.append(f"only {days_phrase(left)} left in the {label.lower()} for {days_text(asked)} asked")
    return why_not


def _capacity_fit(room: tuple) -> float | None:
    """Days to spare after this request, as a share of it, in the tightest term (None when no days are asked)."""
    shares = [min(1.0, max(0.0, (left - asked) / asked)) for _, left, asked in room if asked]
    return min(shares) if shares else None


def _history(partnership) -> dict[int, tuple[int, int, date | None]]:
    """Per leader: deployments completed, stopped early, and the last day they were deployed: the day a closed
    deployment closed, or the planned end of one still going ahead. (Not the latest start: a leader a year into
    long support is more recently deployed than one whose short piece of work started later and ended.)"""
    went_ahead = [DeploymentStatus.APPROVED, DeploymentStatus.ACTIVE, DeploymentStatus.PAUSED,
                  DeploymentStatus.COMPLETED, DeploymentStatus.STOPPED]
    closed = Q(status__in=[DeploymentStatus.COMPLETED, DeploymentStatus.STOPPED], closed_at__isnull=False)
    rows = (Deployment.objects.filter(partnership=partnership, status__in=went_ahead).values("leader_id")
            .annotate(completed=Count("pk", filter=Q(status=DeploymentStatus.COMPLETED)),
                      stopped=Count("pk", filter=Q(status=DeploymentStatus.STOPPED)),
                      last=Max(Case(When(closed, then=TruncDate("closed_at", tzinfo=LONDON)), default=F("end_date"),
                                    output_field=DateField())))
            .values_list("leader_id", "completed", "stopped", "last"))
    return {leader_id: (completed, stopped, last) for leader_id, completed, stopped, last in rows}


@contextmanager
def _without_cycle_collection():
    """Building 12,000 small acyclic objects triggers the cyclic garbage collector dozens of times for
    nothing (about a fifth of the ranking time); reference counting frees them all the same."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(slots=True)
class Ranking:
    """The best candidates (at most `limit`) and the first excluded leaders by name, with how many of each."""

    ranked: list[Candidate]
    ranked_count: int
    excluded: list[Candidate]
    excluded_count: int


def rank_candidates(
    *, partnership, school: School, need_ids: list[int], need_groups: set[str], days_wanted: Decimal | None,
    support_level: str = "", include_excluded: bool = True, today: date | None = None,
    preferred_start: date | None = None, preferred_end: date | None = None,
) -> tuple[list[Candidate], list[Candidate]]:
    """(ranked candidates, excluded leaders with why not) for support at `school` on the requested dates: all."""
    found = ranking(partnership=partnership, school=school, need_ids=need_ids, need_groups=need_groups,
                    days_wanted=days_wanted, support_level=support_level, include_excluded=include_excluded,
                    today=today, preferred_start=preferred_start, preferred_end=preferred_end)
    return found.ranked, found.excluded


def wanted_days(*, partnership, days_wanted: Decimal | None, today: date | None = None,
                preferred_start: date | None = None, preferred_end: date | None = None) -> list[tuple[str, str, float]]:
    """(term key, term label, days asked there) for each term the requested dates fall in."""
    allocation = requested_days_by_term(days=days_wanted, preferred_start=preferred_start, preferred_end=preferred_end,
                                        terms=school_calendar(partnership=partnership),
                                        today=today or timezone.localdate())
    return [(term.key, term.label, float(days)) for term, days in allocation.items()]


def ranking(
    *, partnership, school: School, need_ids: list[int], need_groups: set[str], days_wanted: Decimal | None,
    support_level: str = "", include_excluded: bool = True, today: date | None = None,
    preferred_start: date | None = None, preferred_end: date | None = None,
    limit: int | None = None, excluded_limit: int | None = None, designation: str = "", within_km: float | None = None,
) -> Ranking:
    """The ranking for support at `school` on the requested dates, the candidates narrowed to `designation` and
    to those `within_km` of the school when given; None limits keep every row."""
    wanted = wanted_days(partnership=partnership, days_wanted=days_wanted, today=today,
                         preferred_start=preferred_start, preferred_end=preferred_end)
    arguments = dict(partnership=partnership, school=school, need_ids=need_ids, need_groups=need_groups,
                     wanted=wanted, support_level=support_level, include_excluded=include_excluded)
    if connection.vendor == "postgresql":
        return _rank_in_sql(**arguments, limit=limit, excluded_limit=excluded_limit, designation=designation,
                            within_km=within_km)
    with _without_cycle_collection():
        ranked, excluded = _rank_in_python(**arguments)
    if designation:
        ranked = [c for c in ranked if c.leader.designation == designation]
    if within_km is not None:
        ranked = [c for c in ranked if c.distance_km is not None and c.distance_km <= within_km]
    return Ranking(ranked[:limit], len(ranked), excluded[:excluded_limit], len(excluded))


def _exclusions(school, school_words, status, consent, urn, trust, federation, conflicts, status_labels: dict,
                ) -> list[str]:
    """Why a leader cannot be matched to `school`: the hard rules, in the order the page lists them."""
    why_not = []
    if status != LeaderStatus.ACTIVE:
        why_not.append(f"not active ({status_labels.get(status, status).lower()})")
    if not consent:
        why_not.append("no release consent from their home school's head")
    if urn == school.urn:
        why_not.append("works at this school")
    elif school.trust_code and trust == school.trust_code:
        why_not.append("their school is in the same trust")
    elif school.federation_code and federation == school.federation_code:
        why_not.append("their school is in the same federation")
    if conflicts and any(word in conflicts.lower() for word in school_words):
        why_not.append("declared a conflict of interest with this school")
    return why_not


def _rank_in_python(*, partnership, school, need_ids, need_groups, wanted, support_level, include_excluded):
    """Every leader built and scored here (SQLite; and the reference the SQL ranking is tested against)."""
    committed = _committed(partnership, [key for key, _, _ in wanted])
    history = _history(partnership)
    covered: dict[int, int] = {}
    for leader_id in LeaderSpecialism.objects.filter(
        partnership=partnership, specialism_id__in=need_ids
    ).values_list("leader_id", flat=True):
        covered[leader_id] = covered.get(leader_id, 0) + 1
    needed = len(set(need_ids))
    phase_field = PHASE_FIELDS.get(school.phase)
    phase_index = PHASE_COLUMNS.index(phase_field) if phase_field else None
    phase_label = school.get_phase_display().lower() if phase_field else ""
    school_words = tuple(word for word in (school.urn, school.name.lower()) if word)
    fits: dict[str, tuple[float, str]] = {}
    ranked, excluded = [], []
    status_labels = dict(LeaderStatus.choices)
    for row in _leader_rows(partnership):
        (pk, name, designation, status, capacity, consent, conflicts, *rest) = row
        room = _room(pk, capacity, wanted, committed)
        phases = rest[:5]
        urn, home_name, easting, northing, trust, federation = rest[5:]
        why_not = _exclusions(school, school_words, status, consent, urn, trust, federation, conflicts, status_labels)
        why_not += _capacity_why_not(room, capacity)
        if why_not:
            if include_excluded:
                excluded.append(Candidate(LeaderRow(pk, name, designation, home_name), why_not=why_not))
            continue
        have = covered.get(pk, 0)
        score = WEIGHTS["needs"] * have / needed if needed else 0.0
        phase_ok = None
        if phase_index is not None:
            phase_ok = bool(phases[phase_index])
            score += WEIGHTS["phase"] if phase_ok else 0
        if designation not in fits:
            fits[designation] = _designation_fit(designation, support_level, need_groups)
        fit, reason = fits[designation]
        score += WEIGHTS["designation"] * fit
        distance_km = None
        if easting is not None and northing is not None and school.easting is not None and school.northing is not None:
            metres = math.hypot(easting - school.easting, northing - school.northing)
            distance_km = round(metres / 1000, 1)
            score += WEIGHTS["distance"] * max(0.0, 1 - metres / FAR_METRES)
        fit_room = _capacity_fit(room)
        if fit_room is not None:
            score += WEIGHTS["capacity"] * fit_room
        completed, stopped, last = history.get(pk, (0, 0, None))
        score += WEIGHTS["outcomes"] * (completed / (completed + stopped) if completed + stopped else 0.5)
        ranked.append(Candidate(
            LeaderRow(pk, name, designation, home_name), score=round(score), distance_km=distance_km, covered=have,
            needed=needed, phase_label=phase_label, phase_ok=phase_ok, designation_reason=reason, room=room,
            completed=completed, stopped=stopped, last_deployed=last,
        ))
    ranked.sort(key=lambda c: (-c.score, c.last_deployed or date.min, c.leader.name, c.leader.pk))
    excluded.sort(key=lambda c: (c.leader.name, c.leader.pk))
    return ranked, excluded


def rank_for_request(request, *, include_excluded: bool = True) -> tuple[list[Candidate], list[Candidate]]:
    """Every candidate and every excluded leader for a support request."""
    found = ranking_for_request(request, include_excluded=include_excluded)
    return found.ranked, found.excluded


def ranking_for_request(request, *, include_excluded: bool = True, limit: int | None = None,
                        excluded_limit: int | None = None, designation: str = "",
                        within_km: float | None = None) -> Ranking:
    """The ranking for a support request; see `ranking` for the limits and filters."""
    needs = list(RequestNeed.objects.filter(request=request).values_list("specialism_id", "specialism__group"))
    return ranking(
        partnership=request.partnership_id, school=request.school, need_ids=[n for n, _ in needs],
        need_groups={g for _, g in needs}, days_wanted=request.days_wanted, support_level=request.support_level,
        include_excluded=include_excluded, preferred_start=request.preferred_start, preferred_end=request.preferred_end,
        limit=limit, excluded_limit=excluded_limit, designation=designation, within_km=within_km,
    )


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _rank_in_sql(*, partnership, school, need_ids, need_groups, wanted, support_level, include_excluded, limit,
                 excluded_limit, designation, within_km) -> Ranking:
    """The same ranking as `_rank_in_python`, scored by PostgreSQL; only the rows shown come back.

    Every term of the score is a double precision value added in the order the Python ranking adds them, and
    PostgreSQL's round() of a double rounds half to even as Python's does, so the scores are the same."""
    partnership_id = getattr(partnership, "pk", partnership)
    needed = len(set(need_ids))
    phase_field = PHASE_FIELDS.get(school.phase)
    phase_label = school.get_phase_display().lower() if phase_field else ""
    school_words = tuple(word for word in (school.urn, school.name.lower()) if word)
    status_labels = dict(LeaderStatus.choices)
    fits = {code: _designation_fit(code, support_level, need_groups) for code in ("NLG", "NLE", "LLE", "SLE")}
    # A declared conflict that names the school, matched in Python (with the rule's own lower()) over the few
    # leaders who declared anything.
    conflicted = [pk for pk, text in SystemLeader.objects.filter(partnership=partnership_id).exclude(conflicts="")
                  .order_by().values_list("pk", "conflicts") if any(word in text.lower() for word in school_words)]
    has_coordinates = school.easting is not None and school.northing is not None
    params: dict[str, object] = {
        "partnership": partnership_id, "needs": sorted(set(need_ids)), "needed": needed, "urn": school.urn,
        "trust": school.trust_code or "", "federation": school.federation_code or "", "conflicted": conflicted,
        "easting": school.easting, "northing": school.northing,
        "went_ahead": [DeploymentStatus.APPROVED.value, DeploymentStatus.ACTIVE.value, DeploymentStatus.PAUSED.value,
                       DeploymentStatus.COMPLETED.value, DeploymentStatus.STOPPED.value],
        "completed": DeploymentStatus.COMPLETED.value, "stopped": DeploymentStatus.STOPPED.value,
        "active": LeaderStatus.ACTIVE.value, "keys": [key for key, _, _ in wanted], "designation": designation,
        # A distance filter is applied exactly in Python (as the distance is shown, rounded to 0.1 km); the
        # database only drops those clearly further away.
        "within_metres": None if within_km is None else (float(within_km) + 0.1) * 1000,
        "limit": None if within_km is not None else limit, "excluded_limit": excluded_limit if include_excluded else 0,
        **{f"fit_{code.lower()}": fit for code, (fit, _) in fits.items()},
        "fit_other": _designation_fit("", support_level, need_groups)[0],
    }
    for index, (key, _, asked) in enumerate(wanted):
        params[f"key{index}"] = key
        params[f"asked{index}"] = asked
    committed_sums = "".join(f", (SUM(days) FILTER (WHERE term_key = %(key{i})s))::float8 AS c{i}"
                             for i in range(len(wanted)))
    committed_columns = "".join(f", committed.c{i}" for i in range(len(wanted)))
    lefts = [f"(capacity - COALESCE(c{i}, 0.0::float8))" for i in range(len(wanted))]
    short = " OR ".join(f"{left} <= 0 OR {left} < %(asked{i})s::float8" for i, left in enumerate(lefts)) or "FALSE"
    shares = [f"LEAST(1.0::float8, GREATEST(0.0::float8, ({left} - %(asked{i})s::float8) / %(asked{i})s::float8))"
              for i, (left, (_, _, asked)) in enumerate(zip(lefts, wanted, strict=True)) if asked]
    capacity_points = f"10 * LEAST({', '.join(shares)})" if shares else "0.0::float8"
    metres = ("SQRT((home.easting::float8 - %(easting)s) ^ 2 + (home.northing::float8 - %(northing)s) ^ 2)"
              if has_coordinates else "NULL::float8")
    phase = f"leader.{connection.ops.quote_name(phase_field)}" if phase_field else "NULL::boolean"
    sql = f"""
    WITH
    covered AS (
        SELECT leader_id, COUNT(*) AS n FROM {_table(LeaderSpecialism)}
        WHERE partnership_id = %(partnership)s AND specialism_id = ANY(%(needs)s::bigint[]) GROUP BY leader_id),
    history AS (
        SELECT leader_id, COUNT(*) FILTER (WHERE status = %(completed)s) AS completed,
               COUNT(*) FILTER (WHERE status = %(stopped)s) AS stopped,
               MAX(CASE WHEN status IN (%(completed)s, %(stopped)s) AND closed_at IS NOT NULL
                        THEN (closed_at AT TIME ZONE 'Europe/London')::date ELSE end_date END) AS last
        FROM {_table(Deployment)} WHERE partnership_id = %(partnership)s AND status = ANY(%(went_ahead)s::text[])
        GROUP BY leader_id),
    committed AS (
        SELECT leader_id{committed_sums} FROM {_table(CapacityEntry)}
        WHERE partnership_id = %(partnership)s AND term_key = ANY(%(keys)s::text[]) GROUP BY leader_id),
    leaders AS (
        SELECT leader.id, leader.name, leader.designation, leader.status, leader.conflicts,
               leader.capacity_days_per_term::float8 AS capacity,
               (leader.release_consent_by > '' AND leader.release_consent_on IS NOT NULL) AS consent,
               {phase} AS phase_ok, home.urn, home.name AS home_name, home.easting, home.northing,
               home.trust_code, home.federation_code, COALESCE(covered.n, 0) AS covered,
               COALESCE(history.completed, 0) AS completed, COALESCE(history.stopped, 0) AS stopped,
               history.last, {metres} AS metres{committed_columns}
        FROM {_table(SystemLeader)} leader
        JOIN {_table(School)} home ON home.urn = leader.home_school_id
        LEFT JOIN covered ON covered.leader_id = leader.id
        LEFT JOIN history ON history.leader_id = leader.id
        LEFT JOIN committed ON committed.leader_id = leader.id
        WHERE leader.partnership_id = %(partnership)s),
    judged AS (
        SELECT leaders.*, (
            status <> %(active)s OR NOT consent OR urn = %(urn)s
            OR (%(trust)s <> '' AND trust_code = %(trust)s)
            OR (%(federation)s <> '' AND federation_code = %(federation)s)
            OR id = ANY(%(conflicted)s::bigint[]) OR capacity <= 0 OR {short}
        ) AS excluded
        FROM leaders),
    scored AS (
        SELECT judged.*, ROUND(
            (CASE WHEN %(needed)s > 0 THEN (35 * covered)::float8 / %(needed)s ELSE 0.0::float8 END)
            + (CASE WHEN phase_ok THEN 15 ELSE 0 END)
            + 15 * (CASE designation WHEN 'NLG' THEN %(fit_nlg)s::float8 WHEN 'NLE' THEN %(fit_nle)s::float8
                    WHEN 'LLE' THEN %(fit_lle)s::float8 WHEN 'SLE' THEN %(fit_sle)s::float8
                    ELSE %(fit_other)s::float8 END)
            + COALESCE(15 * GREATEST(0.0::float8, 1 - metres / {float(FAR_METRES)!r}::float8), 0.0::float8)
            + {capacity_points}
            + 10 * (CASE WHEN completed + stopped > 0 THEN completed::float8 / (completed + stopped)
                         ELSE 0.5::float8 END)
        )::int AS score
        FROM judged
        WHERE NOT excluded AND (%(designation)s = '' OR designation = %(designation)s)
          AND (%(within_metres)s::float8 IS NULL OR metres <= %(within_metres)s::float8))
    (SELECT TRUE, COUNT(*) OVER (), scored.* FROM scored
     ORDER BY score DESC, last ASC NULLS FIRST, name COLLATE "C", id LIMIT %(limit)s)
    UNION ALL
    (SELECT FALSE, COUNT(*) OVER (), judged.*, NULL FROM judged WHERE excluded
     ORDER BY name COLLATE "C", id LIMIT %(excluded_limit)s)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    width = len(wanted)
    reasons: dict[str, str] = {}
    ranked, excluded, ranked_count, excluded_count = [], [], 0, 0
    for row in rows:
        (is_candidate, count, pk, name, designation_, status, conflicts, capacity, consent, phase_ok, urn, home_name,
         easting, northing, trust, federation, covered, completed, stopped, last, _metres, *rest) = row
        room = tuple((label, capacity - (c if c is not None else 0.0), asked)
                     for (_, label, asked), c in zip(wanted, rest[:width], strict=True))
        leader = LeaderRow(pk, name, designation_, home_name)
        if not is_candidate:
            excluded_count = count
            why_not = _exclusions(school, school_words, status, consent, urn, trust, federation, conflicts,
                                  status_labels) + _capacity_why_not(room, capacity)
            excluded.append(Candidate(leader, why_not=why_not))
            continue
        ranked_count = count
        distance_km = None
        if has_coordinates and easting is not None and northing is not None:
            distance_km = round(math.hypot(easting - school.easting, northing - school.northing) / 1000, 1)
        if designation_ not in reasons:
            reasons[designation_] = _designation_fit(designation_, support_level, need_groups)[1]
        ranked.append(Candidate(
            leader, score=rest[width + 1], distance_km=distance_km, covered=covered, needed=needed,
            phase_label=phase_label, phase_ok=None if phase_field is None else bool(phase_ok),
            designation_reason=reasons[designation_], room=room, completed=completed, stopped=stopped,
            last_deployed=last))
    if within_km is not None:
        ranked = [c for c in ranked if c.distance_km is not None and c.distance_km <= within_km]
        ranked_count = len(ranked)
        ranked = ranked[:limit]
    return Ranking(ranked, ranked_count, excluded, excluded_count)
