"""Sending, deciding, withdrawing and cancelling orders: each one transaction, each status change through `move`.

Sending freezes each line's price and reserves limited services with a conditional UPDATE on `Service.sold`;
declining, withdrawing and cancelling release what was reserved. A refusal rolls the whole transaction back, so
the head's draft is exactly as it was.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from alliances.selectors import is_member_school
from portal.errors import Conflict, DomainError, NotAllowed
from portal.formats import money_text
from portal.tenancy.models import Membership
from portal.workflow import move
from programmes.finance.charges import charge_order_line, credit_order_line
from programmes.funding.entitlements import cancel_for_order_line, grant_for_order_line
from programmes.models import Order, OrderLine, OrderLineStatus, OrderStatus, Service
from programmes.orders.services import (
    LINE_MOVES,
    ORDER_MOVES,
    _heads,
    _steering_group,
    _tell,
    can_decide,
    can_withdraw,
    cancellation_problem,
    leads_school,
    may_cancel,
    window_problem,
)
from programmes.pricing import NotForSale, price_for

SOLD_OUT = ("Someone else has just ordered the last {what} of {name}. Your order has not been sent and nothing in it "
            "has changed: take {name} out of it, or ask the steering group whether more places can be added.")


def _lines(order: Order, *, active_only: bool = True) -> list[OrderLine]:
    lines = OrderLine.objects.filter(order=order).select_related("service__catalogue", "order__school")
    if active_only:
        lines = lines.filter(status=OrderLineStatus.ACTIVE)
    return list(lines.order_by("pk"))


def _reserve(line: OrderLine) -> None:
    """Take `line.quantity` of a service's places, or refuse when fewer are left. The WHERE clause is re-read
    after any other sender's update commits, so the last place goes to exactly one order."""
    places = Service.objects.filter(pk=line.service_id)
    if line.service.limit is not None:
        places = places.filter(sold__lte=F("limit") - line.quantity)
    if not places.update(sold=F("sold") + line.quantity):
        what = "place" if line.quantity == 1 else f"{line.quantity} places"
        raise Conflict(SOLD_OUT.format(what=what, name=line.service.name), field=f"terms_{line.service_id}")


def _release(line: OrderLine) -> None:
    Service.objects.filter(pk=line.service_id, sold__gte=line.quantity).update(sold=F("sold") - line.quantity)


def _freeze(line: OrderLine, *, is_member: bool, today: date, accepted_at) -> None:
    """Today's price and reason, frozen on the line; refused when the service cannot be bought now."""
    service = line.service
    try:
        price = price_for(service, line.order.school, is_member=is_member)
    except NotForSale as reason:
        raise DomainError(f"{service.name}: {reason} Take it out of the order.") from None
    problem = window_problem(service, today=today)
    if problem:
        raise DomainError(f"{service.name}: {problem} Take it out of the order.")
    OrderLine.objects.filter(pk=line.pk).update(
        unit_price=price.amount, price_basis=price.basis, price_reason=price.reason[:300],
        total=price.amount * line.quantity, terms_accepted_at=accepted_at)


@transaction.atomic
def send_order(*, actor: Membership, order: Order, accepted: set[int], today: date) -> Order:
    """The head sends the draft: every line's terms accepted (`accepted` holds the service ids ticked), prices
    frozen, limited places reserved. The steering group is asked to confirm it."""
    order = Order.objects.select_for_update().select_related("school", "catalogue").get(pk=order.pk)
    if not leads_school(actor, order.school_id):
        raise NotAllowed("You can only send orders for a school you lead.")
    lines = _lines(order)
    if not lines:
        raise DomainError("Choose at least one service before sending the order.")
    missing = [line for line in lines if line.service_id not in accepted]
    if missing:
        raise DomainError(f"Accept the terms of {missing[0].service.name} to send the order",
                          field=f"terms_{missing[0].service_id}")
    is_member = is_member_school(partnership=order.partnership, urn=order.school_id)
    now = timezone.now()
    for line in lines:
        _freeze(line, is_member=is_member, today=today, accepted_at=now)
        _reserve(line)
    move(order, OrderStatus.SUBMITTED, allowed=ORDER_MOVES, actor=actor, submitted_by=actor.user, submitted_at=now,
         action="order.submitted")
    total = sum((line.total for line in OrderLine.objects.filter(order=order)), start=0)
    _tell(order, "order.submitted", "submitted", _steering_group(order.partnership),
          f"Confirm order {order.reference} from {order.school.name}",
          [f"{actor.user.get_full_name() or actor.user.email} sent an order for {order.school.name} "
           f"({len(lines)} service{'s' if len(lines) != 1 else ''}, {money_text(total)})."],
          action="Confirm or decline the order")
    return order


@transaction.atomic
def confirm_order(*, actor: Membership, order: Order, today: date) -> Order:
    """The steering group confirms: every line is charged and its days granted, all or nothing."""
    if not can_decide(actor, order):
        raise NotAllowed("Only the steering group confirms orders waiting for a decision.")
    move(order, OrderStatus.CONFIRMED, allowed=ORDER_MOVES, actor=actor, decided_by=actor.user,
         decided_at=timezone.now())
    for line in _lines(order):
        charge_order_line(line, on=today, actor=actor)
        grant_for_order_line(line)
    _tell(order, "order.decided", "confirmed", _heads(order), f"Order {order.reference} is confirmed",
          [f"The steering group confirmed {order.school.name}'s order {order.reference}.",
           "The days it includes are now on your school's page, and the charges on its statement."])
    return order


def _close(*, actor: Membership, order: Order, to: str, note: str, event: str, subject: str, recipients) -> Order:
    decided = {"decided_by": actor.user, "decided_at": timezone.now()} if to == OrderStatus.DECLINED else {}
    move(order, to, allowed=ORDER_MOVES, actor=actor, note=note, decision_note=note, **decided)
    for line in _lines(order):
        _release(line)
    _tell(order, event, to, recipients, subject, [subject + "."], note=note, note_label="Reason")
    return order


@transaction.atomic
def decline_order(*, actor: Membership, order: Order, reason: str) -> Order:
    if not can_decide(actor, order):
        raise NotAllowed("Only the steering group declines orders waiting for a decision.")
    if not reason.strip():
        raise DomainError("Say why the order is declined: the headteacher will read it.", field="note")
    return _close(actor=actor, order=order, to=OrderStatus.DECLINED, note=reason.strip(), event="order.decided",
                  subject=f"Order {order.reference} for {order.school.name} was declined", recipients=_heads(order))


@transaction.atomic
def withdraw_order(*, actor: Membership, order: Order, reason: str = "") -> Order:
    if not can_withdraw(actor, order):
        raise NotAllowed("Only the school's headteacher withdraws an order, before it is decided.")
    return _close(actor=actor, order=order, to=OrderStatus.WITHDRAWN, note=reason.strip(), event="order.withdrawn",
                  subject=f"{order.school.name} withdrew order {order.reference}",
                  recipients=_steering_group(order.partnership))


@transaction.atomic
def cancel_line(*, actor: Membership, line: OrderLine, reason: str, today: date) -> OrderLine:
    """Cancel one confirmed service under the catalogue's rule: its days are taken back (refused once any were
    used) and every charge credited. The order is cancelled with its last line."""
    line = OrderLine.objects.select_for_update().select_related("service__catalogue", "order__school").get(pk=line.pk)
    order = line.order
    if not may_cancel(actor, order):
        raise NotAllowed("Only the school's headteacher or the steering group cancels a confirmed order.")
    problem = cancellation_problem(line, today=today)
    if problem:
        raise Conflict(problem)
    if not reason.strip():
        raise DomainError("Say why it is cancelled.", field="note")
    cancel_for_order_line(line, actor=actor)
    credit_order_line(line, on=today, actor=actor)
    move(line, OrderLineStatus.CANCELLED, allowed=LINE_MOVES, actor=actor, partnership=order.partnership,
         note=reason.strip(), cancelled_by=actor.user, cancelled_at=timezone.now(), cancel_reason=reason.strip())
    _release(line)
    if not OrderLine.objects.filter(order=order, status=OrderLineStatus.ACTIVE).exists():
        move(order, OrderStatus.CANCELLED, allowed=ORDER_MOVES, actor=actor, note=reason.strip())
    subject = f"{line.service.name} on order {order.reference} for {order.school.name} was cancelled"
    _tell(order, "order.cancelled", f"line{line.pk}", [*_heads(order), *_steering_group(order.partnership)], subject,
          [subject + ".", "Any charges for it are credited on the school's statement."], note=reason.strip(),
          note_label="Reason")
    return line


@transaction.atomic
def cancel_order(*, actor: Membership, order: Order, reason: str, today: date) -> Order:
    """Cancel every service still active on a confirmed order; refused, with nothing changed, if any one of them
    may not be cancelled."""
    lines = _lines(order)
    if not lines:
        raise Conflict("Nothing on this order is left to cancel.")
    for line in lines:
        cancel_line(actor=actor, line=line, reason=reason, today=today)
    order.refresh_from_db()
    return order
