"""The orders list's rows written by `order_rows` are the HTML the template loop wrote (kept here): sent and draft
orders, with and without lines, every status, a total in thousands, and a school's name to escape."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

import pytest
from django.template import engines
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from programmes.models import OrderStatus
from programmes.orders.selectors import orders_listed
from tests.factories import OrderFactory, OrderLineFactory, SchoolFactory

pytestmark = [pytest.mark.django_db]

LOOP = """  {% for o in page %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell"><a class="govuk-link" href="{% url 'programmes:order' partnership.slug o.pk %}">{{ o.reference }}</a></td>
      <td class="govuk-table__cell">{{ o.school.name }}<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">{{ o.catalogue.academic_year }}</span></td>
      <td class="govuk-table__cell">{{ o.submitted_at|date_text|default:"Not sent" }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ o.order_total|default:0|money_text }}</td>
      <td class="govuk-table__cell"><strong class="govuk-tag">{{ o.get_status_display }}</strong></td>
    </tr>
  {% endfor %}
"""


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def _render(source: str, **context) -> str:
    return engines["django"].from_string("{% load order_rows %}" + source).render(context)


def test_the_rows_are_the_loops_html(partnership, broker, shop):
    with scopes_disabled():
        odd = SchoolFactory(name="St Mary's <C of E> & \"Friends\" School")
        for index, status in enumerate(OrderStatus.values):
            order = OrderFactory(partnership=partnership, catalogue=shop["catalogue"], created_by=broker.user,
                                 school=odd if index % 2 else shop["school"], status=status,
                                 submitted_at=None if status == OrderStatus.DRAFT else timezone.make_aware(
                                     datetime(2026, 10, 1 + index, 9, 30)))
            if index % 3:
                OrderLineFactory(partnership=partnership, order=order, service=shop["package"],
                                 unit_price=Decimal("1234.50"), total=Decimal("1234.50") * index,
                                 price_basis="member", price_reason="Member price")
    with scope(partnership=partnership):
        orders = list(orders_listed(membership=broker))
        new = _render("{% order_rows page %}", page=orders, partnership=partnership)
        assert _normalised(new) == _normalised(_render(LOOP, page=orders, partnership=partnership))
    assert len(orders) == len(OrderStatus.values)
    assert "St Mary&#x27;s &lt;C of E&gt; &amp; &quot;Friends&quot; School" in new
    assert "Not sent" in new and "£0.00" in new and "£6,172.50" in new
    assert f'href="/p/{partnership.slug}/orders/{orders[0].pk}/"' in new


def test_no_orders_write_nothing(partnership):
    assert _render("{% order_rows page %}", page=[], partnership=partnership) == ""
