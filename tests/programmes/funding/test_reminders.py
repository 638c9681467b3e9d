"""The catalogue's daily reminders: each goes once however often the run repeats, to the right people only."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from portal.calendar.models import CalendarPeriod, PeriodKind, TermName
from portal.celery import app
from portal.notifications.models import Channel, Notification
from portal.tenancy.roles import Role
from programmes.models import EntitlementStatus, OrderStatus
from programmes.reminders import run_programme_reminders, spring_half_term
from programmes.tasks import programme_reminders_task
from tests.factories import (
    CatalogueFactory,
    EntitlementFactory,
    OrderFactory,
    PartnershipSchoolFactory,
    ServiceFactory,
    make_member,
)

pytestmark = [pytest.mark.django_db]
D = Decimal


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def sent(event: str) -> list[tuple[int, str]]:
    return sorted(Notification.objects.filter(event_type=event, channel=Channel.EMAIL)
                  .values_list("recipient_id", "dedupe_key"))


def recipients(event: str) -> list[int]:
    return sorted(user for user, _ in sent(event))


@pytest.fixture
def service(partnership):
    """A two-day package in the partnership's 2026-27 catalogue, for the entitlements."""
    return ServiceFactory(partnership=partnership, catalogue=CatalogueFactory(partnership=partnership))


@pytest.fixture
def school(partnership, headteacher):
    link = PartnershipSchoolFactory(partnership=partnership, school=headteacher.schools.get(), is_member=True)
    return link.school


def window_catalogue(partnership, opens: date, closes: date, year="2026-27", **service):
    catalogue = CatalogueFactory(partnership=partnership, academic_year=year, title=f"Services {year}")
    ServiceFactory(partnership=partnership, catalogue=catalogue, order_opens=opens, order_closes=closes, **service)
    return catalogue


def test_the_order_window_reminds_heads_who_have_not_ordered_when_it_opens_and_two_weeks_before_it_closes(
        partnership, school, headteacher, broker, outsider):
    window_catalogue(partnership, date(2026, 6, 1), date(2026, 7, 31))
    for day in (date(2026, 6, 1), date(2026, 6, 2)):  # run twice, two days
        run_programme_reminders(today=day)
    assert recipients("programmes.order_window") == [headteacher.user_id]
    run_programme_reminders(today=date(2026, 7, 17))
    run_programme_reminders(today=date(2026, 7, 17))
    keys = [key for _, key in sent("programmes.order_window")]
    assert len(keys) == 2 and any(":open:" in k for k in keys) and any(":closing:" in k for k in keys)


def test_a_school_that_ordered_or_may_not_buy_is_not_reminded(partnership, school, headteacher):
    catalogue = window_catalogue(partnership, date(2026, 6, 1), date(2026, 7, 31))
    OrderFactory(partnership=partnership, catalogue=catalogue, school=school, status=OrderStatus.SUBMITTED)
    window_catalogue(partnership, date(2026, 6, 1), date(2026, 7, 31), year="2027-28", for_members=False)
    run_programme_reminders(today=date(2026, 6, 3))
    assert sent("programmes.order_window") == []


def test_an_order_waiting_more_than_three_days_reminds_the_brokers_once(partnership, school, broker, headteacher):
    order = OrderFactory(partnership=partnership, school=school, status=OrderStatus.SUBMITTED,
                         submitted_at=timezone.now() - timedelta(days=2))
    run_programme_reminders(today=timezone.localdate())
    assert sent("programmes.order_waiting") == []
    type(order).objects.filter(pk=order.pk).update(submitted_at=timezone.now() - timedelta(days=4))
    run_programme_reminders(today=timezone.localdate())
    run_programme_reminders(today=timezone.localdate() + timedelta(days=1))
    assert recipients("programmes.order_waiting") == [broker.user_id]
    # The reminder opens the order, where the broker confirms or declines it.
    assert set(Notification.objects.filter(event_type="programmes.order_waiting").values_list("link", flat=True)) == {
        f"/p/{partnership.slug}/orders/{order.pk}/"}


def test_unused_entitlements_are_reminded_from_the_calendars_spring_half_term(partnership, school, headteacher, broker,
                                                                              service):
    CalendarPeriod.objects.create(partnership=partnership, academic_year="2026-27", kind=PeriodKind.HALF_TERM,
                                  term=TermName.SPRING, name="Spring half term", start=date(2027, 2, 15),
                                  end=date(2027, 2, 19))
    assert spring_half_term(partnership, "2026-27") == date(2027, 2, 15)
    unused = EntitlementFactory(partnership=partnership, school=school, service=service)
    EntitlementFactory(partnership=partnership, school=school, service=service, used=D(1))  # used: no reminder
    EntitlementFactory(partnership=partnership, school=school, service=service, status=EntitlementStatus.CANCELLED)
    run_programme_reminders(today=date(2027, 2, 12))
    assert sent("programmes.entitlement_unused") == []
    for day in (date(2027, 2, 15), date(2027, 2, 16)):
        run_programme_reminders(today=day)
    assert recipients("programmes.entitlement_unused") == sorted([headteacher.user_id, broker.user_id])
    assert all(f"entitlement:{unused.pk}:unused_spring" in key for _, key in sent("programmes.entitlement_unused"))


def test_a_low_balance_with_visits_to_come_reminds_the_head_and_the_broker_once(partnership, school, headteacher,
                                                                                broker, service):
    def entitlement(**values):
        return EntitlementFactory(partnership=partnership, school=school, service=service, **values)

    low = entitlement(days=D(2), used=D("1.5"), held=D("0.5"))
    entitlement(days=D(2), used=D("1.5"))  # nothing to come
    entitlement(days=D(3), used=D(1), held=D(1))  # 2 days left
    other_head = make_member(partnership, Role.HEADTEACHER)  # leads another school
    for _ in range(2):
        run_programme_reminders(today=date(2026, 11, 2))
    assert recipients("programmes.balance_low") == sorted([headteacher.user_id, broker.user_id])
    assert all(f"entitlement:{low.pk}:low" in key for _, key in sent("programmes.balance_low"))
    assert other_head.user_id not in recipients("programmes.balance_low")


def test_the_daily_beat_runs_the_catalogue_reminders(partnership, school, headteacher):
    assert app.conf.beat_schedule["programmes.reminders"]["task"] == programme_reminders_task.name
    window_catalogue(partnership, date(2026, 6, 1), date(2026, 7, 31))
    assert programme_reminders_task(today="2026-06-01")["reminders"] >= 1
    assert programme_reminders_task(today="2026-06-01")["reminders"] == 0  # once
