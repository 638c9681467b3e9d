"""The brokerage lists' rows written in Python (the deployments list and the offers list): each row was a template
loop's five or six variables and filters, about half of the list's rendering once the filter form is set aside.
The HTML is the loops' (`tests/deployments/test_work_rows.py` renders both, with text that must be escaped)."""

from __future__ import annotations

import html

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from deployments.templatetags.brokerage import status_tag
from portal.days import days_phrase, days_text
from portal.formats import date_text

register = template.Library()


def _text(value) -> str:
    # What `{{ value }}` writes for text and whole numbers (Django's escape is html.escape), anything else as
    # conditional_escape writes it.
    if type(value) is str:
        return html.escape(value)
    if type(value) is int:
        return str(value)
    return str(conditional_escape(value))


DEPLOYMENT_ROW = (
    '\n    <tr class="govuk-table__row">\n'
    '      <td class="govuk-table__cell"><a class="govuk-link" href="{url}{pk}/">{reference}</a></td>\n'
    '      <td class="govuk-table__cell">{school}</td>\n'
    '      <td class="govuk-table__cell">{leader}</td>\n'
    '      <td class="govuk-table__cell govuk-table__cell--numeric">{days}</td>\n'
    '      <td class="govuk-table__cell">{start} to {end}</td>\n'
    '      <td class="govuk-table__cell"><strong class="{tag}">{status}</strong></td>\n'
    '    </tr>\n  ')


@register.simple_tag
def deployment_rows(rows, url: str) -> SafeString:
    """The deployments list's rows: reference (linked under `url`), school, system leader, days, dates, status."""
    url = _text(url)
    return mark_safe("".join(DEPLOYMENT_ROW.format(  # noqa: S308 - every value is escaped
        url=url, pk=_text(d.pk), reference=_text(d.reference), school=_text(d.school.name), leader=_text(d.leader.name),
        days=_text(days_text(d.days)), start=_text(date_text(d.start_date)), end=_text(date_text(d.end_date)),
        tag=_text(status_tag(d.status)), status=_text(d.get_status_display())) for d in rows))


OPEN_OFFER = ('<li><a class="govuk-link" href="{url}{pk}/">{school}: {days} ({reference})</a><br>'
              '<span class="govuk-body-s">Answer by {expires}</span></li>')
EARLIER_OFFER = ('<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="{url}{pk}/">'
                 '{school} ({reference})</a></td><td class="govuk-table__cell">{offered}</td><td class="govuk-table__cell">'
                 '<strong class="{tag}">{status}</strong></td></tr>')


@register.simple_tag
def open_offer_items(offers, url: str) -> SafeString:
    """A system leader's offers waiting for an answer: the school, the days wanted and the reference, linked."""
    url = _text(url)
    return mark_safe("".join(OPEN_OFFER.format(  # noqa: S308 - every value is escaped
        url=url, pk=_text(o.pk), school=_text(o.request.school.name), days=_text(days_phrase(o.request.days_wanted)),
        reference=_text(o.request.reference), expires=_text(date_text(o.expires_at))) for o in offers))


@register.simple_tag
def earlier_offer_rows(offers, url: str) -> SafeString:
    """A system leader's answered or closed offers: the school and reference (linked), when offered, the status."""
    url = _text(url)
    return mark_safe("".join(EARLIER_OFFER.format(  # noqa: S308 - every value is escaped
        url=url, pk=_text(o.pk), school=_text(o.request.school.name), reference=_text(o.request.reference),
        offered=_text(date_text(o.created_at)), tag=_text(status_tag(o.status)), status=_text(o.get_status_display()))
        for o in offers))
