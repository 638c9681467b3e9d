"""The take-up tables' rows, written in Python: the template loop that wrote them (six lookups and three filters a
row) was a large part of the page's time once its figures came from kept counts. The HTML is the loop's
(`tests/reporting/test_takeup_rows.py` renders both); values are printed as a template prints them."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from portal.days import days_text
from portal.formats import money_text
from portal.ui.printed import printed

register = template.Library()

CELL = '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'


@register.simple_tag
def takeup_rows(rows, show_money: bool) -> SafeString:
    """One row per (name, schools that ordered, schools holding, days held, days used[, income])."""
    out = []
    for row in rows:
        cells = [printed(row[1]), printed(row[2]), printed(days_text(row[3])), printed(days_text(row[4]))]
        if show_money:
            cells.append(printed(money_text(row[5])))
        out.append(f'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{printed(row[0])}</th>'
                   + "".join(CELL.format(cell) for cell in cells) + "</tr>")
    return mark_safe("".join(out))
