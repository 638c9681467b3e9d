"""The catalogue's daily reminders, through the outbox, each exactly once.

* **Order window**: when a published catalogue's order window opens, and two weeks before it closes, the heads of
  schools that may buy one of its services and have not ordered from it yet (if the run first sees a window in
  its last two weeks, only the closing reminder goes).
* **Orders waiting**: an order sent more than three days ago and still not decided, to the brokers.
* **Unused at spring half term**: from the first day of the partnership's spring half term (its term calendar; 15
  February when the year has no calendar), an active entitlement of that year with nothing drawn or held, to the
  school's heads and the brokers.
* **Running low**: an active entitlement with half a day or less left while a deployment still holds days on it
  (visits to come), to the school's heads and the brokers.

Each reminder is an outbox row whose unique key names what, for whom and which occurrence, so a repeated run,
two runs at once, or a run on the next day sends nothing twice. Each step is a fixed number of queries per batch.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from alliances.models import PartnershipSchool
from portal.accounts.models import User
from portal.calendar.models import CalendarPeriod, PeriodKind, TermName
from portal.calendar.schooldays import today_in_london
from portal.days import days_phrase
from portal.formats import date_text
from portal.notifications.services import Pending, notify_bulk
from portal.tenancy.models import Membership, Partnership
from portal.tenancy.roles import Role
from portal.tenancy.selectors import each_active_partnership
from programmes.models import (
    Catalogue,
    CatalogueStatus,
    Entitlement,
    EntitlementStatus,
    Order,
    OrderStatus,
    Service,
    ServiceStatus,
)
from programmes.money import academic_year_of
from programmes.pricing import eligibility_problem

CLOSING_NOTICE = timedelta(days=14)
WAITING = timedelta(days=3)
LOW = Decimal("0.5")
ORDERED = (OrderStatus.SUBMITTED, OrderStatus.CONFIRMED)


@dataclass
class Summary:
    partnerships: int = 0
    reminders: int = 0


def run_programme_reminders(*, today: date | None = None) -> Summary:
    today = today or today_in_london()
    summary = Summary()
    for partnership in each_active_partnership("the daily catalogue reminders visit every partnership", quiet=True):
        for step in (_order_windows, _orders_waiting, _unused_entitlements, _low_balances):
            summary.reminders += _send(partnership, step(partnership, today))
        summary.partnerships += 1
    return summary


def _send(partnership: Partnership, items: list[tuple[str, int, str, dict, str]]) -> int:
    if not items:
        return 0
    users = {u.pk: u for u in User.objects.filter(pk__in={user_id for _, user_id, *_ in items}, is_active=True)}
    pending = [Pending(event, users[user_id], occurrence, context, link)
               for event, user_id, occurrence, context, link in items if user_id in users]
    with transaction.atomic():
        return notify_bulk(partnership=partnership, items=pending)


def _link(partnership: Partnership, name: str, **kwargs) -> str:
    """The page a reminder opens, where the reader can act on it."""
    return reverse(name, kwargs={"partnership_slug": partnership.slug, **kwargs})


def _brokers(partnership: Partnership) -> list[int]:
    return list(Membership.objects.filter(partnership=partnership, role=Role.BROKER, is_active=True)
                .order_by("user_id").values_list("user_id", flat=True))


def _heads(partnership: Partnership, urns) -> dict[str, list[int]]:
    """The active headteachers of each school, by URN."""
    heads: dict[str, list[int]] = defaultdict(list)
    rows = Membership.objects.filter(partnership=partnership, role=Role.HEADTEACHER, is_active=True,
                                     schools__urn__in=list(urns)).values_list("schools__urn", "user_id")
    for urn, user_id in rows.order_by("user_id"):
        heads[urn].append(user_id)
    return heads


# The order window ------------------------------------------------------------------------------------------------


def _window_stage(opens: date, closes: date, today: date) -> str | None:
    if today > closes or today < opens:
        return None
    return "closing" if today >= closes - CLOSING_NOTICE else "open"


def _order_windows(partnership: Partnership, today: date) -> list:
    services = list(Service.objects.filter(partnership=partnership, status=ServiceStatus.PUBLISHED,
                                           catalogue__status=CatalogueStatus.PUBLISHED, order_opens__lte=today,
                                           order_closes__gte=today).select_related("catalogue"))
    if not services:
        return []
    by_catalogue: dict[int, list[Service]] = defaultdict(list)
    for service in services:
        by_catalogue[service.catalogue_id].append(service)
    schools = list(PartnershipSchool.objects.filter(partnership=partnership).select_related("school"))
    ordered = set(Order.objects.filter(partnership=partnership, catalogue_id__in=list(by_catalogue),
                                       status__in=ORDERED).values_list("catalogue_id", "school_id"))
    heads = _heads(partnership, [link.school_id for link in schools])
    items = []
    for catalogue_id, lines in by_catalogue.items():
        opens, closes = min(s.order_opens for s in lines), max(s.order_closes for s in lines)
        stage = _window_stage(opens, closes, today)
        catalogue: Catalogue = lines[0].catalogue
        for link in schools:
            if (catalogue_id, link.school_id) in ordered or not any(
                    not eligibility_problem(s, link.school, is_member=link.is_member) for s in lines):
                continue
            context = {"subject": (f"Orders for {catalogue.title} close on {date_text(closes)}" if stage == "closing"
                                   else f"You can now order from {catalogue.title}"),
                       "lines": [f"{catalogue.title} is open for orders from {link.school.name} until "
                                 f"{date_text(closes)}.", "Choose the services your school needs and send the order."],
                       "action": "See the catalogue"}
            occurrence = f"catalogue:{catalogue_id}:window:{opens:%Y%m%d}:{stage}:{link.school_id}"
            items += [("programmes.order_window", head, occurrence, context,
                       _link(partnership, "programmes:catalogue", pk=catalogue_id))
                      for head in heads.get(link.school_id, [])]
    return items


# Orders waiting for a decision -------------------------------------------------------------------------------------


def _orders_waiting(partnership: Partnership, today: date) -> list:
    cutoff = timezone.now() - WAITING
    orders = list(Order.objects.filter(partnership=partnership, status=OrderStatus.SUBMITTED,
                                       submitted_at__lte=cutoff).select_related("school").order_by("pk")[:1000])
    brokers = _brokers(partnership)
    items = []
    for order in orders:
        reference = order.reference
        context = {"subject": f"Order {reference} from {order.school.name} is waiting for a decision",
                   "lines": [f"{order.school.name} sent order {reference} on {date_text(order.submitted_at)}. "
                             "It has waited more than three days: confirm it or decline it with a reason."],
                   "action": "Decide on the order"}
        items += [("programmes.order_waiting", broker, f"order:{order.pk}:waiting", context,
                   _link(partnership, "programmes:order", pk=order.pk))
                  for broker in brokers]
    return items


# Entitlements: unused at spring half term, running low ----------------------------------------------------------------


def spring_half_term(partnership: Partnership, year: str) -> date:
    """The first day of the spring half term in the partnership's calendar, or 15 February without one."""
    period = CalendarPeriod.objects.filter(partnership=partnership, academic_year=year, kind=PeriodKind.HALF_TERM,
                                           term=TermName.SPRING).order_by("start").first()
    return period.start if period else date(int(year[:4]) + 1, 2, 15)


def _to_school_and_brokers(partnership, entitlements, event: str, key: str, context_for) -> list:
    heads = _heads(partnership, {e.school_id for e in entitlements})
    brokers = _brokers(partnership)
    items = []
    for entitlement in entitlements:
        context = context_for(entitlement)
        for user_id in [*heads.get(entitlement.school_id, []), *brokers]:
            items.append((event, user_id, f"entitlement:{entitlement.pk}:{key}", context,
                          _link(partnership, "programmes:school_account", urn=entitlement.school_id)))
    return items


def _unused_entitlements(partnership: Partnership, today: date) -> list:
    year = academic_year_of(today)
    if today < spring_half_term(partnership, year):
        return []
    unused = list(Entitlement.objects.filter(partnership=partnership, academic_year=year,
                                             status=EntitlementStatus.ACTIVE, used=0, held=0, days__gt=0)
                  .select_related("school", "service").order_by("pk")[:1000])
    return _to_school_and_brokers(partnership, unused, "programmes.entitlement_unused", "unused_spring", lambda e: {
        "subject": f"{e.school.name} has not used its {e.service.name} yet",
        "lines": [f"{e.school.name} still has all {days_phrase(e.days)} of its {e.service.name} for {e.academic_year}, "
                  "and it is spring half term.", "Ask for support now so the days are used before the year ends."],
        "action": "Open the portal"})


def _low_balances(partnership: Partnership, today: date) -> list:
    low = list(Entitlement.objects.filter(partnership=partnership, status=EntitlementStatus.ACTIVE, held__gt=0)
               .filter(days__lte=F("used") + LOW).select_related("school", "service").order_by("pk")[:1000])
    return _to_school_and_brokers(partnership, low, "programmes.balance_low", "low", lambda e: {
        "subject": f"{e.school.name}'s {e.service.name} is running low",
        "lines": [f"{e.school.name} has {days_phrase(e.days - e.used)} of its {e.service.name} left, and agreed "
                  "support still has visits to come.",
                  "Buy more days, or agree how the rest will be paid, before the next visits."],
        "action": "Open the portal"})
