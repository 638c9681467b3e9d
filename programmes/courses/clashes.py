"""Clash flags for cohort sessions: a facilitator who is a system leader is busy elsewhere at the same time.

Two kinds of clash: another programme session (any cohort, not cancelled) the same leader facilitates that overlaps
the session's date and time, found here; and whatever higher apps know about, through `register_clash_source`
(deployments registers its visits from its AppConfig.ready(), since programmes sits below deployments). A clash is
a warning, never a refusal: the steering group may know the visit moved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from programmes.models import Cohort, CohortStatus, Facilitator, Session

# fn(partnership, leader_ids, dates) -> [(leader_id, date, description)]
ClashSource = Callable[..., Iterable[tuple[int, date, str]]]
_sources: list[ClashSource] = []


def register_clash_source(source: ClashSource) -> None:
    """Called from a higher app's ready(): `source(partnership, leader_ids, dates)` lists what each of those system
    leaders is already doing on those dates, as (leader_id, date, description)."""
    if source not in _sources:
        _sources.append(source)


@dataclass(frozen=True)
class Clash:
    session_id: int
    leader_id: int
    leader_name: str
    description: str


def _overlaps(a: Session, b: Session) -> bool:
    return a.date == b.date and a.starts_at < b.ends_at and b.starts_at < a.ends_at


def clashes_for(*, partnership, sessions: list[Session], facilitators: list[Facilitator]) -> list[Clash]:
    """Every clash of `sessions` (one cohort's) for its system-leader `facilitators`. Two queries plus one per
    registered source, whatever the numbers of sessions and leaders."""
    leaders = {f.leader_id: f.name for f in facilitators if f.leader_id}
    if not leaders or not sessions:
        return []
    dates = sorted({s.date for s in sessions})
    found: list[Clash] = []
    cohort_ids = {s.cohort_id for s in sessions}
    by_cohort: dict[int, set[int]] = defaultdict(set)
    elsewhere = (Facilitator.objects.filter(partnership=partnership, leader_id__in=list(leaders))
                 .exclude(cohort_id__in=cohort_ids).exclude(cohort__status=CohortStatus.CANCELLED))
    for cohort_id, leader_id in elsewhere.values_list("cohort_id", "leader_id"):
        by_cohort[cohort_id].add(leader_id)
    if by_cohort:
        others = Session.objects.filter(partnership=partnership, cohort_id__in=list(by_cohort), date__in=dates).only(
            "pk", "cohort_id", "title", "date", "starts_at", "ends_at")
        names = dict(Cohort.objects.filter(partnership=partnership, pk__in=list(by_cohort)).values_list("pk", "name"))
        for other in others:
            for session in sessions:
                if _overlaps(session, other):
                    for leader_id in sorted(by_cohort[other.cohort_id]):
                        found.append(Clash(session.pk, leader_id, leaders[leader_id],
                                           f"another session: {other.title} ({names.get(other.cohort_id, '')}), "
                                           f"{other.starts_at:%H:%M} to {other.ends_at:%H:%M}"))
    by_date: dict[date, list[Session]] = defaultdict(list)
    for session in sessions:
        by_date[session.date].append(session)
    for source in _sources:
        for leader_id, day, description in source(partnership, list(leaders), dates):
            for session in by_date.get(day, ()):
                if leader_id in leaders:
                    found.append(Clash(session.pk, leader_id, leaders[leader_id], description))
    return found
