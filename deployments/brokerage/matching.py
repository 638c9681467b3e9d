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
Three queries on PostgreSQL (the term calendar, the conflicts declared, the scoring statement) and five elsewhere,
whatever the number of leaders or deployments. The candidates page asks with `keep`: on PostgreSQL its ranking is
kept in the cache and used again while nothing it reads has changed (`kept`), so most views score nobody.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, Case, Count, DateField, ExpressionWrapper, F, FloatField, Max, Q, Sum, When
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from alliances.models import LeaderSpecialism, LeaderStatus, LocationAccuracy, School, SystemLeader
from deployments.brokerage.kept import kept_ranking, without_cycle_collection
from deployments.brokerage.matching_sql import rank_in_sql
from deployments.brokerage.scores import (
    FAR_METRES,
    PHASE_COLUMNS,
    PHASE_FIELDS,
    WEIGHTS,
    Candidate,
    LeaderRow,
    Ranking,
    capacity_fit,
    capacity_why_not,
    designation_fit,
    exclusions,
    review_overdue,
    room_in_terms,
)
from deployments.models import CapacityEntry, Deployment, DeploymentStatus, RequestNeed
from deployments.terms import requested_days_by_term
from portal.calendar.schooldays import LONDON
from portal.calendar.services import school_calendar


def _leader_rows(partnership) -> list[tuple]:
    queryset = SystemLeader.objects.filter(partnership=partnership).exclude(
        status=LeaderStatus.DE_DESIGNATED).annotate(
        capacity=Cast("capacity_days_per_term", FloatField()),
        consent=ExpressionWrapper(Q(release_consent_by__gt="") & Q(release_consent_on__isnull=False),
                                  output_field=BooleanField()),
    ).order_by().values_list(  # no ORDER BY: the ranking sorts what it keeps
        "pk", "name", "designation", "status", "capacity", "consent", "conflicts", *PHASE_COLUMNS,
        "home_school__urn", "home_school__name", "home_school__easting", "home_school__northing",
        "home_school__trust_code", "home_school__federation_code", "home_school__location_accuracy",
        "review_due", "partnership__overdue_leaders_in_matching",
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
    request_id: int | None = None, keep: bool = False, version: tuple | None = None,
) -> Ranking:
    """The ranking for support at `school` on the requested dates, the candidates narrowed to `designation` and
    to those `within_km` of the school when given; None limits keep every row. With `request_id`, the database's
    ranking also says which candidates shown have an open offer of that request (`Ranking.offered`). With `keep`
    (a page's few rows), PostgreSQL's ranking is kept in the cache while what it reads is unchanged (`kept`);
    `version` is that of the data, when the caller read it first (`kept.version_of`)."""
    today = today or timezone.localdate()
    if connection.vendor == "postgresql" and keep:
        question = (school.urn, school.name, school.phase, school.trust_code, school.federation_code, school.easting,
                    school.northing, school.location_accuracy, tuple(sorted(need_ids)), tuple(sorted(need_groups)),
                    days_wanted, support_level, include_excluded, today, preferred_start, preferred_end, limit,
                    excluded_limit, designation, within_km, request_id)
        return kept_ranking(getattr(partnership, "pk", partnership), question, lambda: ranking(
            partnership=partnership, school=school, need_ids=need_ids, need_groups=need_groups,
            days_wanted=days_wanted, support_level=support_level, include_excluded=include_excluded, today=today,
            preferred_start=preferred_start, preferred_end=preferred_end, limit=limit, excluded_limit=excluded_limit,
            designation=designation, within_km=within_km, request_id=request_id), data_version=version)
    wanted = wanted_days(partnership=partnership, days_wanted=days_wanted, today=today,
                         preferred_start=preferred_start, preferred_end=preferred_end)
    arguments = dict(partnership=partnership, school=school, need_ids=need_ids, need_groups=need_groups,
                     wanted=wanted, support_level=support_level, include_excluded=include_excluded, today=today)
    if connection.vendor == "postgresql":
        return rank_in_sql(**arguments, limit=limit, excluded_limit=excluded_limit, designation=designation,
                            within_km=within_km, request_id=request_id)
    with without_cycle_collection():
        ranked, excluded = _rank_in_python(**arguments)
    if designation:
        ranked = [c for c in ranked if c.leader.designation == designation]
    if within_km is not None:
        ranked = [c for c in ranked if c.distance_km is not None and c.distance_km <= within_km]
    return Ranking(ranked[:limit], len(ranked), excluded[:excluded_limit], len(excluded))


def _rank_in_python(*, partnership, school, need_ids, need_groups, wanted, support_level, include_excluded, today):
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
        room = room_in_terms(pk, capacity, wanted, committed)
        phases = rest[:5]
        urn, home_name, easting, northing, trust, federation, accuracy, review_due, overdue_setting = rest[5:]
        why_not = exclusions(school, school_words, status, consent, urn, trust, federation, conflicts, status_labels)
        overdue_why_not, flags = review_overdue(review_due, today, overdue_setting)
        why_not += overdue_why_not
        why_not += capacity_why_not(room, capacity)
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
            fits[designation] = designation_fit(designation, support_level, need_groups)
        fit, reason = fits[designation]
        score += WEIGHTS["designation"] * fit
        distance_km = None
        if easting is not None and northing is not None and school.easting is not None and school.northing is not None:
            metres = math.hypot(easting - school.easting, northing - school.northing)
            distance_km = round(metres / 1000, 1)
            score += WEIGHTS["distance"] * max(0.0, 1 - metres / FAR_METRES)
        fit_room = capacity_fit(room)
        if fit_room is not None:
            score += WEIGHTS["capacity"] * fit_room
        completed, stopped, last = history.get(pk, (0, 0, None))
        score += WEIGHTS["outcomes"] * (completed / (completed + stopped) if completed + stopped else 0.5)
        ranked.append(Candidate(
            LeaderRow(pk, name, designation, home_name), score=round(score), distance_km=distance_km,
            distance_approximate=distance_km is not None and LocationAccuracy.DISTRICT in (accuracy, school.location_accuracy),
            covered=have,
            needed=needed, phase_label=phase_label, phase_ok=phase_ok, designation_reason=reason, room=room,
            completed=completed, stopped=stopped, last_deployed=last, flags=flags,
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
                        within_km: float | None = None, needs: list | None = None, keep: bool = False,
                        version: tuple | None = None) -> Ranking:
    """The ranking for a support request; see `ranking` for the limits, the filters and `keep`. `needs`, the
    request's need areas (`Specialism`s) when the caller has them already, saves reading them again."""
    if needs is None:
        needs = list(RequestNeed.objects.filter(request=request).values_list("specialism_id", "specialism__group"))
    else:
        needs = [(specialism.pk, specialism.group) for specialism in needs]
    return ranking(
        partnership=request.partnership_id, school=request.school, need_ids=[n for n, _ in needs],
        need_groups={g for _, g in needs}, days_wanted=request.days_wanted, support_level=request.support_level,
        include_excluded=include_excluded, preferred_start=request.preferred_start, preferred_end=request.preferred_end,
        limit=limit, excluded_limit=excluded_limit, designation=designation, within_km=within_km,
        request_id=request.pk, keep=keep, version=version,
    )


