"""The take-up tables' rows, written in Python: the template loop that wrote them (six lookups and three filters a
row) was a large part of the page's time once its figures came from kept counts. The HTML is the loop's
(`tests/reporting/test_takeup_rows.py` renders both); values are printed as a template prints them."""

from __future__ import annotations

import html

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from portal.days import days_text
from portal.formats import money_text

register = template.Library()

CELL = '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'


def _text(value) -> str:
    if type(value) is int:  # what localize() gives a whole number (no thousands separators here), at a tenth the cost
        return str(value)
    if type(value) is str:  # plain text: localize() leaves it be and escape() is html.escape()
        return html.escape(value)
    return conditional_escape(localize(value))


@register.simple_tag
def takeup_rows(rows, show_money: bool) -> SafeString:
    """One row per (name, schools that ordered, schools holding, days held, days used[, income])."""
    out = []
    for row in rows:
        cells = [_text(row[1]), _text(row[2]), _text(days_text(row[3])), _text(days_text(row[4]))]
        if show_money:
            cells.append(_text(money_text(row[5])))
        out.append(f'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{_text(row[0])}</th>'
                   + "".join(CELL.format(cell) for cell in cells) + "</tr>")
    return mark_safe("".join(out))
