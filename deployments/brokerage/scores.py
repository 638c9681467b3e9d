"""What a ranking is made of, shared by the two ways of ranking (`matching`): the weights, a candidate with the
reasons for its score, the rules that exclude a leader, and the room a leader has in the requested terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.utils import timezone

from alliances.models import LeaderStatus, Phase
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
    distance_approximate: bool = False  # one of the two schools is placed at its postcode district's centre
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
    def distance_text(self) -> str:
        if self.distance_km is None:
            return "distance unknown (no coordinates)"
        if self.distance_approximate:
            return f"about {max(1, round(self.distance_km))} km away (placed by postcode district)"
        return f"{self.distance_km} km away"

    @property
    def why(self) -> list[str]:
        reasons = []
        if self.needed:
            reasons.append(f"covers {self.covered} of {self.needed} need areas")
        if self.phase_ok is not None:
            reasons.append(f"works in {self.phase_label}" if self.phase_ok else f"does not list {self.phase_label}")
        reasons.append(self.designation_reason)
        reasons.append(self.distance_text)
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


def designation_fit(designation: str, support_level: str, need_groups: set[str]) -> tuple[float, str]:
    if "governance" in need_groups and designation == "NLG":
        return 1.0, "a national leader of governance for a governance need"
    if support_level == "intensive" or need_groups & LEADERSHIP_GROUPS:
        if designation in ("NLE", "LLE"):
            return 1.0, f"an experienced head ({designation}) for leadership or intensive support"
        return 0.4, f"{designation} rather than a head for leadership or intensive support"
    if designation == "SLE":
        return 1.0, "a specialist leader (SLE) for targeted support"
    return 0.7, f"{designation} for targeted support"


def room_in_terms(pk: int, capacity: float, wanted: list[tuple[str, str, float]], committed) -> tuple:
    """(label, days left, days asked) per term the request falls in, for one leader."""
    return tuple((label, capacity - committed.get((pk, key), 0.0), asked) for key, label, asked in wanted)


def capacity_why_not(room: tuple, capacity: float) -> list[str]:
    if capacity <= 0:
        return ["no capacity (0 days a term)"]
    why_not = []
    for label, left, asked in room:
        if left <= 0:
            why_not.append(f"no days left in the {label.lower()}")
        elif left < asked:
            why_not.append(f"only {days_phrase(left)} left in the {label.lower()} for {days_text(asked)} asked")
    return why_not


def capacity_fit(room: tuple) -> float | None:
    """Days to spare after this request, as a share of it, in the tightest term (None when no days are asked)."""
    shares = [min(1.0, max(0.0, (left - asked) / asked)) for _, left, asked in room if asked]
    return min(shares) if shares else None


@dataclass(slots=True)
class Ranking:
    """The best candidates (at most `limit`) and the first excluded leaders by name, with how many of each; and,
    when the ranking was for a request and the database ranked, the candidates shown it is openly offered to
    (None when not known: ask the offers)."""

    ranked: list[Candidate]
    ranked_count: int
    excluded: list[Candidate]
    excluded_count: int
    offered: frozenset[int] | None = None


def exclusions(school, school_words, status, consent, urn, trust, federation, conflicts, status_labels: dict,
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


def review_overdue(review_due: date | None, today: date, setting: str) -> tuple[list[str], tuple[str, ...]]:
    """(why not, flags) for a leader's designation review: an overdue leader is flagged or excluded, as the
    partnership's `overdue_leaders_in_matching` says."""
    if review_due is None or review_due >= today:
        return [], ()
    if setting == "exclude":
        return [f"designation review overdue (due {date_text(review_due)})"], ()
    return [], ("Designation review overdue",)
