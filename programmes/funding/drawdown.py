"""Drawdown: the days a school's entitlement gives are held, drawn, given back and released.

* An approved deployment funded by the entitlement **holds** its agreed days, so two deployments cannot promise
  the same days (refused when they do not fit, unless the head agreed to pay as you go beyond the balance).
* A visit the school confirms **draws** its days: first from its deployment's hold, then from what is free.
  Days beyond the balance are refused, or charged as pay as you go at the deployment's rate when the head agreed.
* A visit that stops counting after it drew **gives back** its days (to its deployment's hold).
* A deployment that closes **releases** what it still holds.

Every movement is one `Drawdown` row and one update of the entitlement's counters, under a lock on the
entitlement, with an audit event; the database refuses a balance below zero. Callers name their rows
("visit", 12) and the deployment that holds ("deployment:7") without this app importing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum

from portal.audit.services import record_event
from portal.days import days_phrase
from portal.errors import Conflict
from programmes.finance.charges import charge_payg
from programmes.models import ChargeLine, Drawdown, DrawdownKind, Entitlement, EntitlementStatus

ZERO = Decimal(0)


@dataclass(frozen=True)
class BeyondBalance:
    """The head's agreement that days beyond the balance are charged as pay as you go, at this day rate."""

    day_rate: Decimal
    description: str
    on: date


@dataclass(frozen=True)
class DrawResult:
    drawn: Decimal
    charged: ChargeLine | None


def _locked(entitlement_id: int) -> Entitlement:
    return Entitlement.objects.select_for_update().select_related("service", "school").get(pk=entitlement_id)


def _sums(entitlement: Entitlement, holder: str) -> tuple[Decimal, Decimal]:
    """What `holder` still holds on the entitlement, and what its visits have drawn (net of give-backs)."""
    row = Drawdown.objects.filter(entitlement=entitlement, holder=holder).aggregate(held=Sum("held"), days=Sum("days"))
    return row["held"] or ZERO, row["days"] or ZERO


def _write(entitlement: Entitlement, *, kind: str, days: Decimal, held: Decimal, cause: tuple[str, int],
           holder: str, actor, note: str = "") -> Drawdown:
    """One ledger row and the counters moved in one statement (the CHECKs refuse a negative balance)."""
    Entitlement.objects.filter(pk=entitlement.pk).update(used=F("used") + days, held=F("held") + held)
    entitlement.used += days
    entitlement.held += held
    user = getattr(actor, "user", actor)
    row = Drawdown.objects.create(partnership_id=entitlement.partnership_id, entitlement=entitlement, kind=kind,
                                  days=days, held=held, cause_type=cause[0], cause_id=cause[1], holder=holder,
                                  note=note[:300], created_by=user)
    record_event(partnership=entitlement.partnership, actor=user, action=f"entitlement.{kind}", obj=entitlement,
                 new={"days": str(days), "held": str(held), "cause": f"{cause[0]}:{cause[1]}", "holder": holder,
                      "used": str(entitlement.used), "held_total": str(entitlement.held)}, note=note)
    return row


def refusal(entitlement: Entitlement) -> str:
    """Why this entitlement cannot fund new work, or "" when it can."""
    if entitlement.status != EntitlementStatus.ACTIVE:
        return f"The {entitlement.service.name} entitlement was cancelled, so it cannot pay for support."
    if entitlement.free <= 0:
        return f"The {entitlement.service.name} entitlement has no days left. Choose other funding."
    return ""


@transaction.atomic
def hold_days(*, entitlement_id: int, holder: str, agreed: Decimal, cause: tuple[str, int], allow_short: bool,
              actor) -> Decimal:
    """Set what `holder` holds to its agreed days less what it has drawn: more is held from the free balance
    (refused if it does not fit, unless `allow_short`: the head agreed to pay as you go beyond it), less is
    released. Once per cause. Returns the change."""
    entitlement = _locked(entitlement_id)
    if Drawdown.objects.filter(entitlement=entitlement, cause_type=cause[0], cause_id=cause[1],
                               kind__in=[DrawdownKind.HOLD, DrawdownKind.RELEASE]).exists():
        return ZERO
    held, drawn = _sums(entitlement, holder)
    change = max(agreed - drawn, ZERO) - held
    if change > 0:
        if entitlement.status != EntitlementStatus.ACTIVE:
            raise Conflict(refusal(entitlement))
        if change > entitlement.free and not allow_short:
            raise Conflict(f"The {entitlement.service.name} entitlement has {days_phrase(entitlement.free)} free, but "
                           f"this needs {days_phrase(change)} more. Agree fewer days, choose other funding, or ask the "
                           "head to agree to pay as you go beyond the balance.")
        change = min(change, entitlement.free)
    if change == 0:
        return ZERO
    kind = DrawdownKind.HOLD if change > 0 else DrawdownKind.RELEASE
    _write(entitlement, kind=kind, days=ZERO, held=change, cause=cause, holder=holder, actor=actor)
    return change


@transaction.atomic
def draw_for_visit(*, entitlement_id: int, holder: str, visit_id: int, days: Decimal, school_name: str,
                   beyond: BeyondBalance | None, actor) -> DrawResult:
    """A confirmed visit draws its days, from its holder's hold first and then from the free balance. Days
    beyond the balance are refused, or charged as pay as you go when `beyond` says the head agreed. Drawing
    for the same visit twice draws nothing more."""
    entitlement = _locked(entitlement_id)
    if Drawdown.objects.filter(entitlement=entitlement, kind=DrawdownKind.DRAW, cause_type="visit",
                               cause_id=visit_id).exists():
        return DrawResult(ZERO, None)
    if entitlement.status != EntitlementStatus.ACTIVE:
        raise Conflict(refusal(entitlement).replace(" Choose other funding.", "") + " Tell the broker before confirming "
                       "visits it paid for.")
    held, _ = _sums(entitlement, holder)
    from_hold = min(days, held)
    drawn = from_hold + min(days - from_hold, entitlement.free)
    over = days - drawn
    if over > 0 and beyond is None:
        raise Conflict(f"{school_name}'s {entitlement.service.name} entitlement has {days_phrase(drawn)} left, not "
                       f"the {days_phrase(days)} this visit needs. Tell the broker: the school needs more days, or the "
                       "head's agreement on its order to pay as you go beyond the balance.")
    if drawn > 0:
        _write(entitlement, kind=DrawdownKind.DRAW, days=drawn, held=-from_hold, cause=("visit", visit_id),
               holder=holder, actor=actor)
    charged = None
    if over > 0:
        charged = charge_payg(partnership=entitlement.partnership, school=entitlement.school,
                              service=entitlement.service, description=f"{beyond.description} (beyond the balance)",
                              days=over, day_rate=beyond.day_rate, on=beyond.on, cause_type="visit",
                              cause_id=visit_id, actor=actor)
    return DrawResult(drawn, charged)


@transaction.atomic
def give_back_visit(*, entitlement_id: int, visit_id: int, actor, note: str = "") -> Drawdown | None:
    """A visit that drew days no longer counts: its days go back, to its deployment's hold as they came. Once."""
    entitlement = _locked(entitlement_id)
    draw = Drawdown.objects.filter(entitlement=entitlement, kind=DrawdownKind.DRAW, cause_type="visit",
                                   cause_id=visit_id).first()
    if draw is None or Drawdown.objects.filter(entitlement=entitlement, kind=DrawdownKind.GIVE_BACK,
                                               cause_type="visit", cause_id=visit_id).exists():
        return None
    return _write(entitlement, kind=DrawdownKind.GIVE_BACK, days=-draw.days, held=-draw.held,
                  cause=("visit", visit_id), holder=draw.holder, actor=actor, note=note)


@transaction.atomic
def release_hold(*, entitlement_id: int, holder: str, cause: tuple[str, int], actor, note: str = "") -> Drawdown | None:
    """A deployment closed: what it still holds goes back to the free balance. Once per cause; nothing when it
    holds nothing."""
    entitlement = _locked(entitlement_id)
    held, _ = _sums(entitlement, holder)
    if held <= 0 or Drawdown.objects.filter(entitlement=entitlement, kind=DrawdownKind.RELEASE, cause_type=cause[0],
                                            cause_id=cause[1]).exists():
        return None
    return _write(entitlement, kind=DrawdownKind.RELEASE, days=ZERO, held=-held, cause=cause, holder=holder,
                  actor=actor, note=note)
