"""A statement's rows, written in Python: a school's year can hold hundreds of charge lines, and the template loop
that wrote them (four variables and two filters a row) was most of the statement page's time. The HTML is the
loop's (`tests/programmes/finance/test_statement_rows.py` renders both)."""

from __future__ import annotations

import html
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from portal.formats import date_text, money_text
from programmes.models import ChargeKind

register = template.Library()
URL_SAFE = "!$&'()*+,;=/~:@"  # what reverse() leaves unquoted in an argument

ROW = ('<tr class="govuk-table__row"><td class="govuk-table__cell">{}</td><td class="govuk-table__cell">{}'
       '<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">{}</span></td>'
       '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td></tr>')


def _source(line) -> str:
    """Which order a line comes from, or its kind: "Order O00042", "Credit, order O00042", "Visit"."""
    order = f"O{line.order_id:05d}" if line.order_id is not None else ""
    if line.kind == ChargeKind.ORDER and order:
        return f"Order {order}"
    return f"{line.get_kind_display()}, order {order}" if order else line.get_kind_display()


def _escape(value) -> str:
    """conditional_escape() at a third of the cost for plain text (what a row's values are): html.escape()."""
    return html.escape(value) if type(value) is str else conditional_escape(value)


@register.simple_tag
def statement_rows(lines) -> SafeString:
    """One table row per charge or credit line (`programmes.finance.selectors.StatementLine`): its date,
    description and source, and amount. Each date is written once (hundreds of lines share a few dozen)."""
    days: dict = {}

    def day(value) -> str:
        text = days.get(value)
        if text is None:
            text = days[value] = _escape(date_text(value))
        return text

    return mark_safe("".join(
        ROW.format(day(line.charge_date), _escape(line.description), _escape(_source(line)),
                   _escape(money_text(line.amount)))
        for line in lines))


ORDER_ITEM = '<li><a class="govuk-link" href="{}{}/">{}</a>: {}{}</li>'


@register.simple_tag
def order_items(orders, slug: str) -> SafeString:
    """A school page's orders as list items: each order's link, reference, status and when it was sent. The links
    share one reversed prefix (a school's year holds a hundred orders at scale). The HTML is the template loop's
    (`tests/programmes/finance/test_statement_rows.py` renders both)."""
    escape = conditional_escape
    prefix = escape(reverse("programmes:order", args=[slug, 0])[:-2])
    return mark_safe("".join(
        ORDER_ITEM.format(prefix, order.pk, escape(order.reference), escape(order.get_status_display()),
                          f", sent {escape(date_text(order.submitted_at))}" if order.submitted_at else "")
        for order in orders))


TOTAL_ROW = ('<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="{}{}/account/?fy={}'
             '#statement">{}</a></td><td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
             '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
             '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
             '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td></tr>')


@register.simple_tag
def school_total_rows(rows, slug: str, fy: str) -> SafeString:
    """The finance page's row per school (`programmes.finance.selectors.school_totals`): its statement link and
    name, line count, charges, credits and total. The HTML is the template loop's
    (`tests/programmes/finance/test_statement_rows.py` renders both)."""
    escape = conditional_escape
    prefix, fy = escape(reverse("programmes:school_account", args=[slug, "0"])[:-len("0/account/")]), escape(fy)
    return mark_safe("".join(
        TOTAL_ROW.format(prefix, escape(quote(row["school_id"], safe=URL_SAFE)), fy, escape(row["school__name"]), escape(_whole(row["lines"])),
                         escape(money_text(row["charged"] or 0)), escape(money_text(row["credited"] or 0)),
                         escape(money_text(row["total"])))
        for row in rows))


def _whole(value) -> str:
    """A count as a template prints it (no thousands separators in this project's settings)."""
    return str(value) if type(value) is int else str(localize(value))
