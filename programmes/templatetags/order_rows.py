"""The orders list's rows, written in Python: fifty orders a page, each seven values and a link, where the template
loop (and a `{% url %}` a row) was a third of the page's time at scale. The HTML is the loop's
(`tests/programmes/orders/test_order_rows.py` renders both)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from portal.formats import date_text, money_text
from portal.ui.printed import pk_url, printed

register = template.Library()

ROW = ('<tr class="govuk-table__row">'
       '<td class="govuk-table__cell"><a class="govuk-link" href="{url}">{reference}</a></td>'
       '<td class="govuk-table__cell">{school}<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">'
       '{year}</span></td>'
       '<td class="govuk-table__cell">{sent}</td>'
       '<td class="govuk-table__cell govuk-table__cell--numeric">{total}</td>'
       '<td class="govuk-table__cell"><strong class="govuk-tag">{status}</strong></td></tr>')


@register.simple_tag(takes_context=True)
def order_rows(context, orders) -> SafeString:
    """One row per order of `orders` (with `school`, `catalogue` and the `order_total` annotation): its reference
    linked to its page, the school and year, when it was sent, its total and its status."""
    url = pk_url("programmes:order", context["partnership"].slug)
    return mark_safe("".join(ROW.format(
        url=url(o.pk), reference=printed(o.reference), school=printed(o.school.name),
        year=printed(o.catalogue.academic_year), sent=printed(date_text(o.submitted_at) or "Not sent"),
        total=printed(money_text(o.order_total or 0)), status=printed(o.get_status_display())) for o in orders))
