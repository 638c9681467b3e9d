"""The order pages for each role: ordering a package end to end through the pages, the steering group's list and
home section, and query counts that do not grow with the data."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from programmes.models import Order, OrderLine, OrderStatus
from tests.factories import OrderFactory, OrderLineFactory, SchoolFactory

pytestmark = [pytest.mark.django_db]


def _url(name, partnership, *args):
    return reverse(f"programmes:{name}", args=[partnership.slug, *args])


def _text(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text().split())


def test_a_head_orders_a_package_checks_answers_accepts_terms_and_sends(client, partnership, headteacher, broker,
                                                                       shop):
    client.force_login(headteacher.user)
    response = client.post(_url("order_new", partnership), {"school": shop["school"].urn,
                                                            "catalogue": shop["catalogue"].pk})
    with scopes_disabled():
        order = Order.objects.get()
    assert response["Location"] == _url("order_edit", partnership, order.pk)
    page = _text(client.get(response["Location"]))
    assert "Your school is a member of the partnership." in page and "£900.00" in page
    response = client.post(_url("order_edit", partnership, order.pk), {
        f"service_{shop['package'].pk}": "2", "purchase_order": "PO-77", "payg_beyond_balance": "no"})
    assert response["Location"] == _url("order_check", partnership, order.pk)
    page = _text(client.get(response["Location"]))
    assert "£1,800.00" in page and "Days must be used by 31 August." in page and "PO-77" in page
    # Not ticking the terms: refused with the error in the summary, and nothing sent.
    response = client.post(_url("order_check", partnership, order.pk), {})
    summary = BeautifulSoup(response.content, "html.parser").select_one(".govuk-error-summary")
    assert "Accept the terms of Two-day package to send the order" in summary.get_text()
    response = client.post(_url("order_check", partnership, order.pk), {f"terms_{shop['package'].pk}": "on"})
    assert response["Location"] == _url("order", partnership, order.pk)
    with scopes_disabled():
        order.refresh_from_db()
        assert order.status == OrderStatus.SUBMITTED
    # The broker sees it on the home page and confirms it.
    client.force_login(broker.user)
    home = _text(client.get(reverse("tenant:home", args=[partnership.slug])))
    assert "Orders to confirm (1)" in home
    client.post(_url("order_confirm", partnership, order.pk))
    with scopes_disabled():
        order.refresh_from_db()
        assert order.status == OrderStatus.CONFIRMED


def test_the_head_sees_why_a_service_cannot_be_ordered(client, partnership, headteacher, shop):
    with scopes_disabled():
        shop["moderation"].__class__.objects.filter(pk=shop["moderation"].pk).update(order_closes=date(2020, 1, 1))
        order = OrderFactory(partnership=partnership, catalogue=shop["catalogue"], school=shop["school"],
                             status=OrderStatus.DRAFT, created_by=headteacher.user)
    client.force_login(headteacher.user)
    page = _text(client.get(_url("order_edit", partnership, order.pk)))
    assert "Moderation training: Orders for this service closed on 1 January 2020." in page


def test_declining_asks_for_a_reason_on_the_confirmation_page(client, partnership, broker, shop):
    with scopes_disabled():
        order = OrderFactory(partnership=partnership, catalogue=shop["catalogue"], school=shop["school"],
                             status=OrderStatus.SUBMITTED)
    client.force_login(broker.user)
    response = client.post(_url("order_decline", partnership, order.pk), {"note": ""})
    assert response.status_code == 200
    response = client.post(_url("order_decline", partnership, order.pk), {"note": "Not this year"})
    assert response.status_code == 302
    with scopes_disabled():
        order.refresh_from_db()
    assert (order.status, order.decision_note) == (OrderStatus.DECLINED, "Not this year")


def _orders(partnership, shop, count):
    with scopes_disabled():
        for index in range(count):
            school = SchoolFactory(urn=f"8{index:05d}")
            order = OrderFactory(partnership=partnership, catalogue=shop["catalogue"], school=school,
                                 status=OrderStatus.SUBMITTED)
            OrderLineFactory(partnership=partnership, order=order, service=shop["package"])


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["orders", "home"])
def test_the_lists_run_the_same_queries_for_few_and_many_orders(client, partnership, broker, shop, name):
    client.force_login(broker.user)
    url = reverse("tenant:home", args=[partnership.slug]) if name == "home" else _url("orders", partnership)
    _orders(partnership, shop, 2)
    client.get(url)  # a home's first visit is recorded (an UPDATE), not the next minute's
    few = _queries(client, url)
    with scopes_disabled():
        for index in range(2, 30):
            school = SchoolFactory(urn=f"7{index:05d}")
            order = OrderFactory(partnership=partnership, catalogue=shop["catalogue"], school=school,
                                 status=OrderStatus.SUBMITTED)
            OrderLineFactory(partnership=partnership, order=order, service=shop["package"])
    assert _queries(client, url) == few


def test_the_waiting_filter_lists_only_sent_orders_and_a_bad_value_is_an_error(client, partnership, broker, shop):
    _orders(partnership, shop, 3)
    with scopes_disabled():
        OrderFactory(partnership=partnership, catalogue=shop["catalogue"], school=shop["school"],
                     status=OrderStatus.CONFIRMED)
    client.force_login(broker.user)
    page = _text(client.get(_url("orders", partnership) + "?status=submitted"))
    assert "3 orders" in page
    response = client.get(_url("orders", partnership) + "?status=nonsense")
    assert "Choose one of the options in the list" in _text(response) and "0 orders" in _text(response)


def test_the_order_page_runs_the_same_queries_for_one_line_and_many(client, partnership, headteacher, broker, shop):
    with scopes_disabled():
        order = OrderFactory(partnership=partnership, catalogue=shop["catalogue"], school=shop["school"],
                             status=OrderStatus.CONFIRMED)
        OrderLineFactory(partnership=partnership, order=order, service=shop["package"])
    client.force_login(headteacher.user)
    url = _url("order", partnership, order.pk)
    one = _queries(client, url)
    with scopes_disabled():
        OrderLineFactory(partnership=partnership, order=order, service=shop["programme"])
        OrderLineFactory(partnership=partnership, order=order, service=shop["moderation"])
        assert OrderLine.objects.filter(order=order).count() == 3
    assert _queries(client, url) == one
