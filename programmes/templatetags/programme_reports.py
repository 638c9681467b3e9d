"""The programme reports' table rows, written in Python: at scale a year has thousands of cohorts with waitlists
and hundreds of schools, and the template loops that wrote them (seven variables and four conditions a row) were
most of the page's time. The HTML is the loops' (`tests/programmes/delivery/test_report_rows.py` renders both);
values are printed as a template prints them (localised, then escaped)."""

from __future__ import annotations

import html

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

NUMERIC = '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'


def _text(value) -> str:
    if type(value) is int:  # what localize() gives a whole number without thousands separators, at a tenth the cost
        return str(value)
    if type(value) is str:  # plain text (not marked safe): localize() leaves it be and escape() is html.escape()
        return html.escape(value)
    return conditional_escape(localize(value))


def _or_dash(value, suffix: str = "") -> str:
    return "–" if value is None else f"{_text(value)}{suffix}"


@register.simple_tag
def tally_rows(rows) -> SafeString:
    """One row per (name, tally): participants, completed, rate, waiting, and the two impact averages."""
    out = []
    for name, t in rows:
        cells = (_text(t.participants), _text(t.completed), _or_dash(t.rate, "%"), _text(t.waitlisted),
                 _or_dash(t.evaluation_average, f" ({_text(t.evaluations)})"),
                 _or_dash(t.school_average, f" ({_text(t.answers)})"))
        out.append(f'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{_text(name)}</th>'
                   + "".join(NUMERIC.format(cell) for cell in cells) + "</tr>")
    return mark_safe("".join(out))


@register.simple_tag
def waitlist_rows(waitlists) -> SafeString:
    """One row per (cohort, cohort's name, programme's title, people waiting): the cohort, its programme and how
    many wait. A programme's title is escaped once, however many of its cohorts have a waitlist."""
    titles: dict[str, str] = {}
    out = []
    for _, name, title, waiting in waitlists:
        shown = titles.get(title)
        if shown is None:
            shown = titles[title] = _text(title)
        out.append(f'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{_text(name)}</th>'
                   f'<td class="govuk-table__cell">{shown}</td>{NUMERIC.format(_text(waiting))}</tr>')
    return mark_safe("".join(out))
