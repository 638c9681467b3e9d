"""Orders: a headteacher orders catalogue services for a school they lead; the steering group confirms or declines.

draft -> submitted (sent: prices frozen, limited places reserved) -> confirmed | declined | withdrawn;
confirmed -> cancelled (when every line is cancelled). Confirming charges each line and grants its days in one
transaction; cancelling a line follows the catalogue's rule, takes the days back and credits every charge.
A limited service's `sold` counter only moves by a conditional UPDATE, so two heads sending the last place at
once cannot both have it: the database's CHECK and the WHERE clause let exactly one through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from alliances.models import School
from alliances.selectors import is_member_school
from portal.days import days_phrase
from portal.errors import Conflict, DomainError, NotAllowed
from portal.formats import date_text
from portal.notifications.services import notify
from portal.tenancy.models import Membership
from portal.tenancy.roles import STEERING_GROUP_ROLES
from portal.tenancy.selectors import active_members, heads_of_schools
from programmes.models import (
    CancellationRule,
    Catalogue,
    CatalogueStatus,
    Order,
    OrderLine,
    OrderLineStatus,
    OrderStatus,
    Service,
    ServiceKind,
    ServiceStatus,
)
from programmes.pricing import NotForSale, price_for

ORDER_MOVES = {
    OrderStatus.DRAFT: (OrderStatus.SUBMITTED,),
    OrderStatus.SUBMITTED: (OrderStatus.CONFIRMED, OrderStatus.DECLINED, OrderStatus.WITHDRAWN),
    OrderStatus.CONFIRMED: (OrderStatus.CANCELLED,),
}
LINE_MOVES = {OrderLineStatus.ACTIVE: (OrderLineStatus.CANCELLED,)}
# Kinds where a school may buy more than one (a package of days several times over, places on a programme).
COUNTABLE_KINDS = (ServiceKind.PACKAGE, ServiceKind.PROGRAMME_PLACE, ServiceKind.OTHER)
MAX_QUANTITY = 20


# Who is involved -------------------------------------------------------------------------------------------

def leads_school(actor: Membership, school_id: str) -> bool:
    return actor.can("orders.create") and actor.schools.filter(pk=school_id).exists()


def _heads(order: Order) -> list:
    return heads_of_schools(order.partnership, [order.school_id])


def _steering_group(partnership) -> list:
    return active_members(partnership, *STEERING_GROUP_ROLES)


def order_url(order: Order) -> str:
    return reverse("programmes:order", kwargs={"partnership_slug": order.partnership.slug, "pk": order.pk})


def _tell(order: Order, event: str, what: str, recipients, subject: str, lines: list[str], *, note: str = "",
          note_label: str = "", action: str = "See the order") -> None:
    notify(partnership=order.partnership, event_type=event, recipients=recipients,
           occurrence=f"order:{order.pk}:{what}", link=order_url(order),
           context={"subject": subject, "lines": lines, "note": note, "note_label": note_label, "action": action})


# Guards the pages ask --------------------------------------------------------------------------------------

def can_edit(actor: Membership, order: Order) -> bool:
    return order.status == OrderStatus.DRAFT and leads_school(actor, order.school_id)


def can_decide(actor: Membership, order: Order) -> bool:
    return actor.can("orders.decide") and order.status == OrderStatus.SUBMITTED


def can_withdraw(actor: Membership, order: Order) -> bool:
    return order.status == OrderStatus.SUBMITTED and leads_school(actor, order.school_id)


def may_cancel(actor: Membership, order: Order) -> bool:
    """Who may ask to cancel a confirmed order: its school's head or the steering group."""
    return order.status == OrderStatus.CONFIRMED and (actor.can("orders.decide") or leads_school(actor, order.school_id))


def cancellation_problem(line: OrderLine, *, today: date) -> str:
    """Why the catalogue's rule refuses to cancel `line` today, or "" when it may be cancelled."""
    if line.status != OrderLineStatus.ACTIVE:
        return "This service is already cancelled."
    catalogue = line.service.catalogue
    starts = line.service.starts_on
    if catalogue.cancellation_rule == CancellationRule.NONE:
        return "The partnership's terms do not allow cancelling a confirmed order."
    if starts is None:
        return ""
    if catalogue.cancellation_rule == CancellationRule.BEFORE_START and today >= starts:
        return f"This service started on {date_text(starts)}, so it can no longer be cancelled."
    notice = catalogue.cancellation_notice_days
    if catalogue.cancellation_rule == CancellationRule.NOTICE and today > starts - timedelta(days=notice):
        last = starts - timedelta(days=notice)
        return (f"This service needed {days_phrase(notice)}' notice before it starts on {date_text(starts)}: the last day "
                f"to cancel was {date_text(last)}.")
    return ""


# What a school may buy -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """One service on the order page: its price for this school and why, or why the school may not buy it."""

    service: Service
    price: object | None  # programmes.pricing.Price
    problem: str

    @property
    def places_left(self) -> int | None:
        return None if self.service.limit is None else max(self.service.limit - self.service.sold, 0)

    @property
    def countable(self) -> bool:
        return self.service.kind in COUNTABLE_KINDS


def window_problem(service: Service, *, today: date) -> str:
    if service.order_opens and today < service.order_opens:
        return f"Orders for this service open on {date_text(service.order_opens)}."
    if service.order_closes and today > service.order_closes:
        return f"Orders for this service closed on {date_text(service.order_closes)}."
    return ""


def orderable_services(catalogue: Catalogue) -> list[Service]:
    """The published services of a catalogue a school can order (core entitlements are granted, not ordered)."""
    return list(Service.objects.filter(catalogue=catalogue, status=ServiceStatus.PUBLISHED)
                .exclude(kind=ServiceKind.CORE).order_by("position", "name", "pk"))


def choices_for(catalogue: Catalogue, school: School, *, today: date) -> list[Choice]:
    is_member = is_member_school(partnership=catalogue.partnership, urn=school.urn)
    found = []
    for service in orderable_services(catalogue):
        try:
            price = price_for(service, school, is_member=is_member)
        except NotForSale as reason:
            found.append(Choice(service, None, str(reason)))
            continue
        problem = window_problem(service, today=today)
        if not problem and service.limit is not None and service.sold >= service.limit:
            problem = "Every place has been taken."
        found.append(Choice(service, price, problem))
    return found


# Drafting --------------------------------------------------------------------------------------------------

def start_order(*, actor: Membership, school: School, catalogue: Catalogue) -> Order:
    """A draft order for a school the head leads, against a published catalogue: their open draft for it, or a
    new one."""
    if not leads_school(actor, school.urn):
        raise NotAllowed("You can only order for a school you lead.", field="school")
    if catalogue.status != CatalogueStatus.PUBLISHED:
        raise DomainError("This catalogue is not published yet.", field="catalogue")
    # Going back and starting again carries on with the head's own draft rather than leaving a second one.
    draft = Order.objects.filter(partnership=actor.partnership, school=school, catalogue=catalogue,
                                 created_by=actor.user, status=OrderStatus.DRAFT).order_by("-pk").first()
    return draft or Order.objects.create(partnership=actor.partnership, school=school, catalogue=catalogue,
                                         created_by=actor.user)


@transaction.atomic
def save_draft(*, actor: Membership, order: Order, quantities: dict[int, int], purchase_order: str,
               payg_beyond_balance: bool, today: date) -> list[OrderLine]:
    """Keep the head's choices on the draft, at today's price (frozen again when it is sent). `quantities` maps
    service ids to how many; 0 leaves a service out. Refused when nothing is chosen or a service cannot be
    bought; the draft stays as it was."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not can_edit(actor, order):
        raise Conflict("This order has been sent, so it can no longer be changed.")
    wanted = {pk: quantity for pk, quantity in quantities.items() if quantity}
    if not wanted:
        raise DomainError("Choose at least one service to order.")
    available = {choice.service.pk: choice for choice in choices_for(order.catalogue, order.school, today=today)}
    for pk, quantity in wanted.items():
        choice = available.get(pk)
        if choice is None or choice.problem:
            raise DomainError(f"{choice.service.name if choice else 'That service'} cannot be ordered: "
                              f"{choice.problem if choice else 'it is not in this catalogue.'}", field=f"service_{pk}")
        if quantity < 1 or quantity > (MAX_QUANTITY if choice.countable else 1):
            raise DomainError(f"Order between 1 and {MAX_QUANTITY} of {choice.service.name}.", field=f"service_{pk}")
    OrderLine.objects.filter(order=order).exclude(service_id__in=wanted).delete()
    existing = {line.service_id: line for line in OrderLine.objects.filter(order=order)}
    lines = []
    for pk, quantity in wanted.items():
        price = available[pk].price
        line = existing.get(pk) or OrderLine(partnership=order.partnership, order=order, service_id=pk)
        line.quantity, line.unit_price, line.price_basis = quantity, price.amount, price.basis
        line.price_reason, line.total, line.terms_accepted_at = price.reason[:300], price.amount * quantity, None
        line.save()
        lines.append(line)
    Order.objects.filter(pk=order.pk).update(purchase_order=purchase_order.strip(),
                                             payg_beyond_balance=payg_beyond_balance, updated_at=timezone.now())
    return lines
