"""The brokerage lists' rows written in Python (the deployments list and the offers list): each row was a template
loop's five or six variables and filters, about half of the list's rendering once the filter form is set aside.
The HTML is the loops' (`tests/deployments/test_work_rows.py` renders both, with text that must be escaped)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from deployments.templatetags.brokerage import status_tag
from portal.days import days_phrase, days_text
from portal.formats import date_text
from portal.ui.printed import printed

register = template.Library()


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
    url = printed(url)
    return mark_safe("".join(DEPLOYMENT_ROW.format(  # noqa: S308 - every value is escaped
        url=url, pk=printed(d.pk), reference=printed(d.reference), school=printed(d.school.name), leader=printed(d.leader.name),
        days=printed(days_text(d.days)), start=printed(date_text(d.start_date)), end=printed(date_text(d.end_date)),
        tag=printed(status_tag(d.status)), status=printed(d.get_status_display())) for d in rows))


OPEN_OFFER = ('<li><a class="govuk-link" href="{url}{pk}/">{school}: {days} ({reference})</a><br>'
              '<span class="govuk-body-s">Answer by {expires}</span></li>')
EARLIER_OFFER = ('<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="{url}{pk}/">'
                 '{school} ({reference})</a></td><td class="govuk-table__cell">{offered}</td><td class="govuk-table__cell">'
                 '<strong class="{tag}">{status}</strong></td></tr>')


@register.simple_tag
def open_offer_items(offers, url: str) -> SafeString:
    """A system leader's offers waiting for an answer: the school, the days wanted and the reference, linked."""
    url = printed(url)
    return mark_safe("".join(OPEN_OFFER.format(  # noqa: S308 - every value is escaped
        url=url, pk=printed(o.pk), school=printed(o.request.school.name), days=printed(days_phrase(o.request.days_wanted)),
        reference=printed(o.request.reference), expires=printed(date_text(o.expires_at))) for o in offers))


@register.simple_tag
def earlier_offer_rows(offers, url: str) -> SafeString:
    """A system leader's answered or closed offers: the school and reference (linked), when offered, the status."""
    url = printed(url)
    return mark_safe("".join(EARLIER_OFFER.format(  # noqa: S308 - every value is escaped
        url=url, pk=printed(o.pk), school=printed(o.request.school.name), reference=printed(o.request.reference),
        offered=printed(date_text(o.created_at)), tag=printed(status_tag(o.status)), status=printed(o.get_status_display()))
        for o in offers))
