"""The statement's rows written by `statement_rows` are the HTML the template loop wrote (kept here), for every kind
of line, with and without an order, and with text that must be escaped."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from django.template import engines

from programmes.finance.selectors import StatementLine
from programmes.models import ChargeKind, ChargeLine, Order, OrderLine, OrderStatus

LOOP = """{% for line in lines %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell">{{ line.charge_date|date_text }}</td>
      <td class="govuk-table__cell">{{ line.description }}<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">{% if line.kind == "order" and line.order_line_id %}Order O{{ line.order_line.order_id|stringformat:"05d" }}{% else %}{{ line.get_kind_display }}{% if line.order_line_id %}, order O{{ line.order_line.order_id|stringformat:"05d" }}{% endif %}{% endif %}</span></td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ line.amount|money_text }}</td>
    </tr>
  {% endfor %}"""


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def _lines() -> list[ChargeLine]:
    ordered = OrderLine(pk=7, order_id=42)
    big = OrderLine(pk=8, order_id=123456)
    return [
        ChargeLine(kind=ChargeKind.ORDER, description="Core <membership> & days", order_line=ordered,
                   charge_date=date(2026, 9, 1), amount=Decimal("1400.00")),
        ChargeLine(kind=ChargeKind.ORDER, description="An order line no longer linked", charge_date=date(2026, 9, 2),
                   amount=Decimal("0.50")),
        ChargeLine(kind=ChargeKind.CREDIT, description="Credit: \"quoted\" 'text'", order_line=big,
                   charge_date=date(2027, 3, 31), amount=Decimal("-12345.67")),
        ChargeLine(kind=ChargeKind.PAYG, description="Visit on 3 October", charge_date=date(2026, 10, 3),
                   amount=Decimal("450")),
        ChargeLine(kind=ChargeKind.PLACE, description="Leading from the middle", order_line=ordered,
                   charge_date=date(2026, 11, 30), amount=Decimal("0")),
    ]


def _statement_lines(lines: list[ChargeLine]) -> list[StatementLine]:
    """The lines as the statement reads them (values, not model instances)."""
    return [StatementLine(line.kind, line.description, line.amount, line.charge_date, line.invoice_date,
                          line.order_line.order_id if line.order_line_id else None) for line in lines]


def test_the_rows_are_the_template_loops_html():
    lines = _lines()
    loop = engines["django"].from_string(LOOP).render({"lines": lines})
    tag = engines["django"].from_string("{% load finance %}{% statement_rows lines %}").render(
        {"lines": _statement_lines(lines)})
    assert _normalised(tag) == _normalised(loop)
    assert "Core &lt;membership&gt; &amp; days" in tag and "Order O00042" in tag and "order O123456" in tag
    assert tag.count('<tr class="govuk-table__row">') == len(lines)


def test_a_statement_line_names_its_kind_as_the_model_does():
    for line in _lines():
        assert _statement_lines([line])[0].get_kind_display() == line.get_kind_display()


def test_no_lines_write_no_rows():
    assert engines["django"].from_string("{% load finance %}{% statement_rows lines %}").render({"lines": []}) == ""


ORDER_LOOP = """{% for o in orders %}<li><a class="govuk-link" href="{% url 'programmes:order' slug o.pk %}">{{ o.reference }}</a>: {{ o.get_status_display }}{% if o.submitted_at %}, sent {{ o.submitted_at|date_text }}{% endif %}</li>{% endfor %}"""


def test_the_order_items_are_the_template_loops_html():
    sent = datetime(2026, 9, 30, 23, 30, tzinfo=UTC)  # 1 October in London
    orders = [Order(pk=42, status=OrderStatus.SUBMITTED, submitted_at=sent),
              Order(pk=123456, status=OrderStatus.CONFIRMED, submitted_at=sent),
              Order(pk=7, status=OrderStatus.CANCELLED)]
    for slug in ("north-west", "a_b-2"):
        context = {"orders": orders, "slug": slug}
        loop = engines["django"].from_string(ORDER_LOOP).render(context)
        tag = engines["django"].from_string("{% load finance %}{% order_items orders slug %}").render(context)
        assert tag == loop
    assert "1 October 2026" in tag and ">O00042<" in tag
    assert engines["django"].from_string("{% load finance %}{% order_items orders 'x' %}").render({"orders": []}) == ""


TOTALS_LOOP = """{% for row in rows %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell"><a class="govuk-link" href="{% url 'programmes:school_account' slug row.school_id %}?fy={{ fy }}#statement">{{ row.school__name }}</a></td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.lines }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.charged|default:0|money_text }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.credited|default:0|money_text }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.total|money_text }}</td>
    </tr>
  {% endfor %}"""


def test_the_school_total_rows_are_the_template_loops_html():
    rows = [{"school_id": "100001", "school__name": "Abbey & St Mary's <Primary>", "lines": 12345,
             "charged": Decimal("1234567.50"), "credited": Decimal("-100.00"), "total": Decimal("1234467.50")},
            {"school_id": "100002", "school__name": "", "lines": 1, "charged": None, "credited": None,
             "total": Decimal("0")},
            {"school_id": "1 2&é", "school__name": "Odd URN", "lines": 0, "charged": Decimal("0.00"),
             "credited": Decimal("-5"), "total": Decimal("-5")}]
    context = {"rows": rows, "slug": "north-west", "fy": "2026-27"}
    loop = engines["django"].from_string(TOTALS_LOOP).render(context)
    tag = engines["django"].from_string("{% load finance %}{% school_total_rows rows slug fy %}").render(context)
    assert _normalised(tag) == _normalised(loop)
    assert "Abbey &amp; St Mary&#x27;s &lt;Primary&gt;" in tag and ">12345<" in tag and "£1,234,567.50" in tag
