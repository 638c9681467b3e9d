"""The programme reports' table rows, written in Python: at scale a year has thousands of cohorts with waitlists
and hundreds of schools, and the template loops that wrote them (seven variables and four conditions a row) were
most of the page's time. The HTML is the loops' (`tests/programmes/delivery/test_report_rows.py` renders both);
values are printed as a template prints them (localised, then escaped)."""

from __future__ import annotations

import html

from django import template
from django.utils.safestring import SafeString, mark_safe

from portal.ui.printed import printed
from portal.ui.splice import spliced

register = template.Library()

NUMERIC = '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'


TALLY_ROW = '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{}</th>' + NUMERIC * 6 + "</tr>"
WAITLIST_ROW = ('<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{}</th>'
                '<td class="govuk-table__cell">{}</td>' + NUMERIC + "</tr>")


@register.simple_tag(takes_context=True, name="tally_rows")
def tally_rows_tag(context, rows) -> SafeString:
    """`tally_rows`, put into the page once it is rendered on a page that asks for it (`portal.ui.splice`)."""
    return spliced(context, tally_rows(rows))


def tally_rows(rows) -> SafeString:
    """One row per (name, tally): participants, completed, rate, waiting, and the two impact averages. (One format
    a row, and whole numbers written without a call: hundreds of schools' rows.)"""
    out = []
    for name, t in rows:
        participants, completed, waitlisted = t.participants, t.completed, t.waitlisted
        rate, evaluated, answered = t.rate, t.evaluation_average, t.school_average
        out.append(TALLY_ROW.format(
            html.escape(name) if type(name) is str else printed(name),
            participants if type(participants) is int else printed(participants),
            completed if type(completed) is int else printed(completed),
            "–" if rate is None else f"{printed(rate)}%",
            waitlisted if type(waitlisted) is int else printed(waitlisted),
            "–" if evaluated is None else f"{printed(evaluated)} ({printed(t.evaluations)})",
            "–" if answered is None else f"{printed(answered)} ({printed(t.answers)})"))
    return mark_safe("".join(out))


@register.simple_tag(takes_context=True, name="waitlist_rows")
def waitlist_rows_tag(context, waitlists) -> SafeString:
    """`waitlist_rows`, put into the page once it is rendered on a page that asks for it (`portal.ui.splice`):
    thousands of rows at scale."""
    return spliced(context, waitlist_rows(waitlists))


def waitlist_rows(waitlists) -> SafeString:
    """One row per (cohort, cohort's name, programme's title, people waiting): the cohort, its programme and how
    many wait. A programme's title is escaped once, however many of its cohorts have a waitlist. Rows already
    written (on PostgreSQL the report's statement writes them: `programmes.delivery.report_sql.WAITLISTS`) are
    written as they are."""
    if isinstance(waitlists, SafeString):
        return waitlists
    titles: dict[str, str] = {}
    out = []
    for _, name, title, waiting in waitlists:
        shown = titles.get(title)
        if shown is None:
            shown = titles[title] = printed(title)
        out.append(WAITLIST_ROW.format(html.escape(name) if type(name) is str else printed(name), shown,
                                       waiting if type(waiting) is int else printed(waiting)))
    return mark_safe("".join(out))
