"""The schools and system leaders lists' rows, written in Python: fifty rows of ten variables and filters each
were most of a list page's Python. The HTML is the template loop's byte for byte
(`tests/alliances/test_directory_rows.py` renders both)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from alliances.models import OFSTED_GRADES, LeaderStatus, OfstedCategory, Phase, Status
from portal.days import days_text
from portal.formats import date_text
from portal.ui.printed import printed

register = template.Library()

SCHOOL_ROW = (
    '\n        <tr class="govuk-table__row">\n'
    '          <td class="govuk-table__cell"><a class="govuk-link" href="{url}{urn}/">{name}</a>\n'
    '            <span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">URN {urn}{postcode}{status}'
    '</span></td>\n'
    '          <td class="govuk-table__cell">{la}</td>\n'
    '          <td class="govuk-table__cell">{phase}</td>\n'
    '          <td class="govuk-table__cell">{ofsted}</td>\n'
    '          <td class="govuk-table__cell">{partnership}</td>\n'
    '        </tr>\n      '
)
MEMBER = '<strong class="govuk-tag govuk-tag--green">Member</strong>'
NON_MEMBER = '<strong class="govuk-tag govuk-tag--grey">Non-member</strong>'

# What `get_FOO_display()` says, read from a dict (it flattens the choices on every call): the label, or the
# value itself when it is not a choice.
STATUSES, PHASES, CATEGORIES = dict(Status.choices), dict(Phase.choices), dict(OfstedCategory.choices)
LEADER_STATUSES = dict(LeaderStatus.choices)
OPEN = frozenset((Status.OPEN, Status.OPEN_CLOSING))


LEADER_ROW = (
    '\n        <tr class="govuk-table__row">\n'
    '          <td class="govuk-table__cell"><a class="govuk-link" href="{url}{pk}/">{name}</a>{status}</td>\n'
    '          <td class="govuk-table__cell">{designation}</td>\n'
    '          <td class="govuk-table__cell">{school}</td>\n'
    '          <td class="govuk-table__cell">{review}</td>\n'
    '          <td class="govuk-table__cell govuk-table__cell--numeric">{days}</td>\n'
    '        </tr>\n      '
)


def _school_row(school, url: str) -> str:
    status, category = school.status, school.ofsted_category
    ofsted = ""
    if school.ofsted_grade or category:
        ofsted = printed(CATEGORIES.get(category, category) if category
                        else OFSTED_GRADES.get(school.ofsted_grade, "Not inspected"))
    return SCHOOL_ROW.format(
        url=url, urn=printed(school.urn), name=printed(school.name),
        postcode=f" · {printed(school.postcode)}" if school.postcode else "",
        status="" if status in OPEN else f" · {printed(STATUSES.get(status, status))}",
        la=printed(school.la.name or "") if school.la_id and school.la else "",
        phase=printed(PHASES.get(school.phase, school.phase)), ofsted=ofsted,
        partnership=MEMBER if school.partnership_member else (NON_MEMBER if school.in_partnership else ""),
    )


@register.simple_tag
def school_rows(schools, url: str) -> SafeString:
    """One table row per school: its link, URN, postcode and status unless open, LA, phase, Ofsted and its place in
    the partnership (`url` is the schools list's, each school's page below it)."""
    url = printed(url)
    return mark_safe("".join(_school_row(school, url) for school in schools))  # noqa: S308 - each value is escaped


def _leader_row(leader, url: str) -> str:
    status = leader.status
    return LEADER_ROW.format(
        url=url, pk=leader.pk, name=printed(leader.name),
        status="" if status == "active" else (
            f' <strong class="govuk-tag govuk-tag--grey">{printed(LEADER_STATUSES.get(status, status))}</strong>'),
        designation=printed(leader.designation), school=printed(leader.home_school.name),
        review=printed(date_text(leader.review_due)), days=printed(days_text(leader.capacity_days_per_term)),
    )


@register.simple_tag
def leader_rows(leaders, url: str) -> SafeString:
    """One table row per system leader: their link and status unless active, designation code, home school, review
    date and days a term (`url` is the leaders list's, each leader's page below it)."""
    url = printed(url)
    return mark_safe("".join(_leader_row(leader, url) for leader in leaders))  # noqa: S308 - each value is escaped
