"""The capacity ledger: how many days each system leader has promised, delivered and left, per term.

Terms come from the partnership's calendar (`portal.calendar.schooldays.SchoolCalendar`).

Days move through the ledger as `CapacityEntry` rows: an accepted offer holds the request's days in the
terms its requested dates fall in (`deployments.terms`, exactly as matching scored them); approval swaps
the hold for the deployment's days spread over its terms in proportion to their weekdays; closing trims them to the days delivered. Every change to a leader's
entries first locks the leader's row, so two acceptances or approvals at once cannot both take the
last days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from alliances.models import SystemLeader
from deployments.models import CapacityEntry, Deployment, Visit, VisitStatus
from deployments.terms import split_days  # noqa: F401  (approval and the demo spread days with it)
from portal import kept
from portal.calendar.schooldays import SchoolCalendar, Term, conventional_term
from portal.calendar.services import school_calendar
from portal.days import days_phrase, days_text
from portal.errors import Conflict


class CapacityExceeded(Conflict):
    pass


def _committed(leader_id: int, keys) -> dict[str, Decimal]:
    rows = (CapacityEntry.objects.filter(leader_id=leader_id, term_key__in=list(keys))
            .values("term_key").annotate(total=Sum("days")))
    return {row["term_key"]: row["total"] for row in rows}


def book(*, leader: SystemLeader, allocation: dict[Term, Decimal], offer=None, deployment=None,
         replace_offer=None, replace_deployment=None, check: bool = True,
         next_step: str = "") -> None:
    """Write `allocation` to the ledger for `offer` or `deployment`, refusing any term it would overfill.

    Locks the leader's row first: whoever comes second waits, then sees the first one's days. Entries
    of `replace_offer` / `replace_deployment` are removed in the same step (a hold becoming a
    commitment, or a commitment being revised). `next_step` ends the refusal: what the person refused can do
    next, with the actions they really have.
    """
    locked = SystemLeader.objects.select_for_update().get(pk=leader.pk)
    if replace_offer is not None:
        CapacityEntry.objects.filter(offer=replace_offer).delete()
    if replace_deployment is not None:
        CapacityEntry.objects.filter(deployment=replace_deployment).delete()
    if check:
        _refuse_overfill(locked, allocation, _committed(locked.pk, (term.key for term in allocation)), next_step)
    CapacityEntry.objects.bulk_create([
        CapacityEntry(partnership_id=locked.partnership_id, leader=locked, term_key=term.key, days=days,
                      offer=offer, deployment=deployment)
        for term, days in allocation.items() if days > 0
    ])


def _refuse_overfill(leader: SystemLeader, allocation: dict[Term, Decimal], committed: dict[str, Decimal],
                     next_step: str) -> None:
    for term, days in allocation.items():
        have = leader.capacity_days_per_term - committed.get(term.key, Decimal(0))
        if days > have:
            left = max(have, Decimal(0))
            raise CapacityExceeded(
                f"{leader.name} has {days_text(left)} of {days_phrase(leader.capacity_days_per_term)} left in the "
                f"{term.label.lower()}, and this needs {days_text(days)}. {next_step}".strip())


def check_room(*, leader: SystemLeader, allocation: dict[Term, Decimal], deployment: Deployment, next_step: str) -> None:
    """Refuse `allocation` if it would overfill a term once `deployment`'s own days there are given back (a
    change to the deployment, checked before anyone is asked to agree it; `book` checks again under a lock)."""
    committed = _committed(leader.pk, (term.key for term in allocation))
    own = {row["term_key"]: row["total"] for row in CapacityEntry.objects.filter(
        deployment=deployment, term_key__in=[term.key for term in allocation]).values("term_key").annotate(total=Sum("days"))}
    _refuse_overfill(leader, allocation, {key: total - own.get(key, Decimal(0)) for key, total in committed.items()},
                     next_step)


def release(*, offer=None, deployment=None) -> None:
    if offer is not None:
        CapacityEntry.objects.filter(offer=offer).delete()
    if deployment is not None:
        CapacityEntry.objects.filter(deployment=deployment).delete()


def delivered_by_term(*, deployment: Deployment, terms: SchoolCalendar) -> dict[Term, Decimal]:
    delivered: dict[Term, Decimal] = defaultdict(Decimal)
    for visit_date, days in Visit.objects.filter(deployment=deployment, status=VisitStatus.CONFIRMED).values_list(
            "visit_date", "days"):
        delivered[terms.term_for(visit_date)] += days
    return dict(delivered)


@dataclass(frozen=True)
class LedgerRow:
    term: Term
    capacity: Decimal
    committed: Decimal
    delivered: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.capacity - self.committed


def current_ledger(*, partnership, leader: SystemLeader, count: int = 3) -> list[LedgerRow]:
    """The leader's ledger from this term on, from the partnership's calendar (one more query)."""
    return ledger(leader=leader, terms=school_calendar(partnership=partnership), today=timezone.localdate(),
                  count=count)


def ledger(*, leader: SystemLeader, terms: SchoolCalendar, today: date, count: int = 3) -> list[LedgerRow]:
    """Committed, delivered and remaining days for the current term, the next ones and any other term with
    entries: two queries whatever the history."""
    shown = {term.key: term for term in terms.following(terms.term_for(today), count)}
    # Both statements depend on the leader alone, so they are built once for it (`portal.kept`).
    committed: dict[str, Decimal] = {row["term_key"]: row["total"] for row in kept.rows(
        ("ledger.committed", leader.pk),
        lambda: CapacityEntry.objects.filter(leader_id=leader.pk).values("term_key").annotate(total=Sum("days")))}
    delivered: dict[str, Decimal] = defaultdict(Decimal)
    for visit_date, days in kept.rows(("ledger.delivered", leader.pk), lambda: Visit.objects.filter(
            deployment__leader_id=leader.pk, status=VisitStatus.CONFIRMED).values_list("visit_date", "days")):
        term = terms.term_for(visit_date)
        shown.setdefault(term.key, term)
        delivered[term.key] += days
    for key in committed:
        if key not in shown:
            year, name = key.split(" ")
            shown[key] = next((t for t in terms.year_terms(year) if t.name == name), conventional_term(year, name))
    return [LedgerRow(term, leader.capacity_days_per_term, committed.get(key, Decimal(0)), delivered.get(key, Decimal(0)))
            for key, term in sorted(shown.items(), key=lambda item: item[1].start)]
