"""A statement's rows, written in Python: a school's year can hold hundreds of charge lines, and the template loop
that wrote them (four variables and two filters a row) was most of the statement page's time. The HTML is the
loop's (`tests/programmes/finance/test_statement_rows.py` renders both)."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from portal.formats import date_text, money_text
from portal.ui.printed import printed
from programmes.models import ChargeKind, OrderStatus

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


@lru_cache(maxsize=4096)
def _day(value) -> str:
    """A line's date as the statement writes it: a few hundred distinct dates a year, shared by every statement."""
    return printed(date_text(value))


@register.simple_tag
def statement_rows(lines) -> SafeString:
    """One table row per charge or credit line (`programmes.finance.selectors.StatementLine`): its date,
    description and source, and amount. A school's year repeats a few dozen descriptions, orders and amounts over
    hundreds of lines, so each is written once a call."""
    texts: dict = {}
    sources: dict = {}
    amounts: dict = {}
    rows = []
    for line in lines:
        text = texts.get(line.description)
        if text is None:
            text = texts[line.description] = printed(line.description)
        key = (line.kind, line.order_id)
        source = sources.get(key)
        if source is None:
            source = sources[key] = printed(_source(line))
        amount = amounts.get(line.amount)
        if amount is None:
            amount = amounts[line.amount] = printed(money_text(line.amount))
        rows.append(ROW.format(_day(line.charge_date), text, source, amount))
    return mark_safe("".join(rows))


ORDER_ITEM = '<li><a class="govuk-link" href="{}{}/">{}</a>: {}{}</li>'


STATUS_LABELS = {value: str(label) for value, label in OrderStatus.choices}


@register.simple_tag
def order_items(orders, slug: str) -> SafeString:
    """A school page's orders (each with `pk`, `status` and `submitted_at`: an Order or a row of the school page's)
    as list items: each order's link, reference, status and when it was sent. The links share one reversed prefix
    and the sent dates one time zone, looked up once (a school's year holds a hundred orders at scale). The HTML is
    the template loop's (`tests/programmes/finance/test_statement_rows.py` renders both)."""
    prefix = conditional_escape(reverse("programmes:order", args=[slug, 0])[:-2])
    zone = timezone.get_current_timezone()
    items = []
    for order in orders:
        sent = order.submitted_at
        if sent:
            # date_text() reads a moment in the current time zone: the same day, converted here once per call.
            sent = f", sent {printed(date_text(sent.astimezone(zone).date() if timezone.is_aware(sent) else sent))}"
        items.append(ORDER_ITEM.format(prefix, order.pk, f"O{order.pk:05d}" if order.pk else "New order",
                                       printed(STATUS_LABELS.get(order.status, order.status)), sent or ""))
    return mark_safe("".join(items))


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
