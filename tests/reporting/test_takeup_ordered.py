"""The counts of each school's active lines per service on its sent or confirmed orders, kept by PostgreSQL
triggers on the orders and their lines (`programmes.SchoolServiceOrders`), always equal the lines: after lines are
added one by one and in bulk, cancelled and restored, moved to another service, deleted, and orders change
status, school and catalogue, in any order (a Hypothesis property test), and when a line is added while another
connection sends its order. Take-up's "schools that ordered" reads them, and gives what reading the lines gives."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.db import connection
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programmes.models import Order, OrderLine, OrderLineStatus, OrderStatus, SchoolServiceOrders
from reporting.filters import Scope
from reporting.takeup import ORDERED, ordered_lines, ordered_services
from tests.concurrency import write_while_held
from tests.factories import CatalogueFactory, OrderFactory, OrderLineFactory, SchoolFactory, ServiceFactory

pytestmark = [pytest.mark.django_db]
YEARS = ["2025-26", "2026-27"]


def _scope(partnership, year: str, **filters) -> Scope:
    return Scope(partnership=partnership, year=year, term="", terms=[], start=date(2025, 9, 1),
                 end=date(2027, 8, 31), limited_las=None, **filters)


def _from_lines(partnership) -> Counter:
    found = Counter()
    for catalogue, school, service in OrderLine.objects.filter(
            partnership=partnership, status=OrderLineStatus.ACTIVE, order__status__in=ORDERED).values_list(
            "order__catalogue_id", "order__school_id", "service_id"):
        found[(catalogue, school, service)] += 1
    return found


def _from_counts(partnership) -> Counter:
    return Counter({(catalogue, school, service): lines for catalogue, school, service, lines in
                    SchoolServiceOrders.objects.filter(partnership=partnership, lines__gt=0).values_list(
                        "catalogue_id", "school_id", "service_id", "lines")})


def _agree(partnership, schools=()) -> None:
    assert _from_counts(partnership) == _from_lines(partnership)
    for year in YEARS:
        assert sorted(ordered_services(_scope(partnership, year))) == sorted(ordered_lines(_scope(partnership, year)))
        for school in schools:
            assert (sorted(ordered_services(_scope(partnership, year, school=school)))
                    == sorted(ordered_lines(_scope(partnership, year, school=school))))


@pytest.fixture
def orders(partnership):
    """Two catalogues (one a year) with two services each, three schools, and four orders."""
    with scopes_disabled():
        catalogues = [CatalogueFactory(partnership=partnership, academic_year=year) for year in YEARS]
        services = [ServiceFactory(partnership=partnership, catalogue=catalogue)
                    for catalogue in catalogues for _ in range(2)]
        schools = [SchoolFactory() for _ in range(3)]
        made = [OrderFactory(partnership=partnership, catalogue=catalogues[i % 2], school=schools[i % 3],
                             status=OrderStatus.SUBMITTED if i % 2 else OrderStatus.DRAFT) for i in range(4)]
    return {"catalogues": catalogues, "services": services, "schools": schools, "orders": made}


def test_the_counts_follow_lines_and_orders(partnership, other_partnership, orders):
    assert connection.vendor == "postgresql"  # the triggers are what is tested; CI runs PostgreSQL
    with scopes_disabled():
        first, second = orders["orders"][0], orders["orders"][1]  # a draft of 2025-26, a sent order of 2026-27
        services = orders["services"]
        OrderLineFactory(partnership=partnership, order=first, service=services[0])
        OrderLineFactory(partnership=partnership, order=second, service=services[2])
        OrderLineFactory(partnership=partnership, order=second, service=services[3])
        OrderLineFactory(partnership=other_partnership)  # another partnership's line is not in these counts
        _agree(partnership, orders["schools"])
        assert sum(_from_counts(partnership).values()) == 2  # the draft's line counts for nothing
        Order.objects.filter(pk=first.pk).update(status=OrderStatus.CONFIRMED)
        assert sum(_from_counts(partnership).values()) == 3
        OrderLine.objects.filter(order=second, service=services[3]).update(status=OrderLineStatus.CANCELLED)
        Order.objects.filter(pk=second.pk).update(school=orders["schools"][2], catalogue=orders["catalogues"][0])
        _agree(partnership, orders["schools"])
        Order.objects.filter(pk=second.pk).update(status=OrderStatus.CANCELLED)
        OrderLine.objects.filter(order=first).delete()
        _agree(partnership, orders["schools"])
        assert not _from_counts(partnership)
        assert SchoolServiceOrders.objects.filter(partnership=other_partnership, lines=1).count() == 1


OPERATIONS = st.lists(st.tuples(
    st.sampled_from(["add", "add many", "cancel", "restore", "move service", "delete", "status", "move school",
                     "move catalogue", "save order"]),
    st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=99)), min_size=1, max_size=12)
STATUSES = list(OrderStatus.values)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_the_counts_follow_the_lines_in_any_order(partnership, orders, operations):
    with scopes_disabled():
        OrderLine.objects.filter(partnership=partnership).delete()
        SchoolServiceOrders.objects.filter(partnership=partnership).delete()
        Order.objects.filter(pk__in=[order.pk for order in orders["orders"]]).update(status=OrderStatus.SUBMITTED)
        services, schools = orders["services"], orders["schools"]
        for operation, which, n in operations:
            order = Order.objects.get(pk=orders["orders"][which].pk)
            lines = OrderLine.objects.filter(order=order)
            free = [service for service in services if not lines.filter(service=service).exists()]
            if operation == "add" and free:
                OrderLineFactory(partnership=partnership, order=order, service=free[n % len(free)])
            elif operation == "add many":
                OrderLine.objects.bulk_create([
                    OrderLineFactory.build(partnership=partnership, order=other, service=services[n % 4])
                    for other in Order.objects.filter(pk__in=[o.pk for o in orders["orders"]])
                    if not OrderLine.objects.filter(order=other, service=services[n % 4]).exists()])
            elif operation == "cancel":
                lines.update(status=OrderLineStatus.CANCELLED)
            elif operation == "restore":
                lines.update(status=OrderLineStatus.ACTIVE)
            elif operation == "move service" and free:
                lines.filter(pk__in=lines.order_by("pk").values("pk")[:1]).update(service=free[n % len(free)])
            elif operation == "delete":
                lines.filter(pk__in=lines.order_by("pk").values("pk")[:1]).delete()
            elif operation == "status":
                Order.objects.filter(pk=order.pk).update(status=STATUSES[n % len(STATUSES)])
            elif operation == "move school":
                Order.objects.filter(pk=order.pk).update(school=schools[n % 3])
            elif operation == "move catalogue":
                Order.objects.filter(pk=order.pk).update(catalogue=orders["catalogues"][n % 2])
            elif operation == "save order":
                order.purchase_order = f"PO{n}"
                order.save()
            _agree(partnership, schools[:1])


@pytest.mark.django_db(transaction=True)
def test_a_line_added_while_its_order_is_sent_is_counted(partnership):
    """The order is sent in one connection and, before that commits, a line is added in another: the line's
    trigger waits for the order and counts the line as on a sent order. (Read without waiting, it saw a draft,
    and the order's trigger did not see the uncommitted line: the line was counted nowhere.)"""
    with scopes_disabled():
        order = OrderFactory(partnership=partnership, status=OrderStatus.DRAFT)
        service = ServiceFactory(partnership=partnership, catalogue=order.catalogue)
    write_while_held(
        lambda: Order.objects.filter(pk=order.pk).update(status=OrderStatus.SUBMITTED),
        lambda: OrderLineFactory(partnership=partnership, order=order, service=service),
    )
    with scopes_disabled():
        assert _from_counts(partnership) == _from_lines(partnership)
        assert sum(_from_counts(partnership).values()) == 1
