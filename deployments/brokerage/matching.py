"""Ranking system leaders for a request: a score with the reasons for it, and the reasons others are excluded.

Score out of 100: need areas covered (35), phase (15), designation suited to the support level (15),
distance from home school to supported school (15), days to spare after the days asked, in the tightest of
the terms the requested dates fall in (10), past deployments completed rather than stopped early (10; 5 for no history yet).
Excluded outright: not active, no release consent from their home school, the same school, the same trust
or federation, a declared conflict naming the school, fewer days left than asked in any term the request's
dates fall in. Those terms and days come from `deployments.terms`, the same answer accepting an offer
holds days by, so a leader shown here can always accept. Ties go to the leader
deployed least recently (never deployed first), then to the name, so work is spread fairly.
De-designated leaders never appear. A leader whose designation review is overdue is flagged ("Designation review
overdue") or excluded, as the partnership's `overdue_leaders_in_matching` says (read in the leaders' query itself).

Five queries whatever the number of leaders or deployments. Rows come back as plain tuples and the
reasons are written only for the candidates someone looks at, so 12,000 leaders rank in well under 200 ms.
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
    # Shown beside the name for a leader still ranked: "Designation review overdue".
    flags: tuple[str, ...] = ()

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
    queryset = SystemLeader.objects.filter(partnership=partnership).exclude(
        status=LeaderStatus.DE_DESIGNATED).annotate(
        capacity=Cast("capacity_days_per_term", FloatField()),
        consent=ExpressionWrapper(Q(release_consent_by__gt="") & Q(release_consent_on__isnull=False),
                                  output_field=BooleanField()),
    ).values_list(
        "pk", "name", "designation", "status", "capacity", "consent", "conflicts", *PHASE_COLUMNS,
        "home_school__urn", "home_school__name", "home_school__easting", "home_school__northing",
        "home_school__trust_code", "home_school__federation_code",
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


def rank_candidates(
    *, partnership, school: School, need_ids: list[int], need_groups: set[str], days_wanted: Decimal | None,
    support_level: str = "", include_excluded: bool = True, today: date | None = None,
    preferred_start: date | None = None, preferred_end: date | None = None,
) -> tuple[list[Candidate], list[Candidate]]:
    """(ranked candidates, excluded leaders with why not) for support at `school` on the requested dates."""
    allocation = requested_days_by_term(days=days_wanted, preferred_start=preferred_start, preferred_end=preferred_end,
                                        terms=school_calendar(partnership=partnership),
                                        today=today or timezone.localdate())
    wanted = [(term.key, term.label, float(days)) for term, days in allocation.items()]
    with _without_cycle_collection():
        return _rank(partnership=partnership, school=school, need_ids=need_ids, need_groups=need_groups,
                     wanted=wanted, support_level=support_level, include_excluded=include_excluded,
                     today=today or timezone.localdate())


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


def _review_overdue(review_due: date | None, today: date, setting: str) -> tuple[list[str], tuple[str, ...]]:
    """(why not, flags) for a leader's designation review: overdue leaders are flagged or excluded."""
    if review_due is None or review_due >= today:
        return [], ()
    if setting == "exclude":
        return [f"designation review overdue (due {date_text(review_due)})"], ()
    return [], ("Designation review overdue",)


def _rank(*, partnership, school, need_ids, need_groups, wanted, support_level, include_excluded, today):
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
        urn, home_name, easting, northing, trust, federation, review_due, overdue_setting = rest[5:]
        why_not = _exclusions(school, school_words, status, consent, urn, trust, federation, conflicts, status_labels)
        overdue_why_not, flags = _review_overdue(review_due, today, overdue_setting)
        why_not += overdue_why_not
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
            completed=completed, stopped=stopped, last_deployed=last, flags=flags,
        ))
    ranked.sort(key=lambda c: (-c.score, c.last_deployed or date.min, c.leader.name, c.leader.pk))
    excluded.sort(key=lambda c: c.leader.name)
    return ranked, excluded


def rank_for_request(request, *, include_excluded: bool = True) -> tuple[list[Candidate], list[Candidate]]:
    needs = list(RequestNeed.objects.filter(request=request).values_list("specialism_id", "specialism__group"))
    return rank_candidates(
        partnership=request.partnership_id, school=request.school, need_ids=[n for n, _ in needs],
        need_groups={g for _, g in needs}, days_wanted=request.days_wanted, support_level=request.support_level,
        include_excluded=include_excluded, preferred_start=request.preferred_start, preferred_end=request.preferred_end,
    )
