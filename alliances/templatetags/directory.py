"""The schools and system leaders lists' rows, written in Python: fifty rows of ten variables and filters each
were most of a list page's Python. The HTML is the template loop's byte for byte
(`tests/alliances/test_directory_rows.py` renders both)."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from portal.days import days_text
from portal.formats import date_text

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
    escape = conditional_escape
    la = school.la.name if school.la_id and school.la else ""
    return SCHOOL_ROW.format(
        url=escape(url), urn=escape(school.urn), name=escape(school.name),
        postcode=f" · {escape(school.postcode)}" if school.postcode else "",
        status="" if school.is_open else f" · {escape(school.get_status_display())}",
        la=escape(la or ""), phase=escape(school.get_phase_display()),
        ofsted=escape(school.ofsted_label) if school.ofsted_grade or school.ofsted_category else "",
        partnership=MEMBER if school.partnership_member else (NON_MEMBER if school.in_partnership else ""),
    )


@register.simple_tag
def school_rows(schools, url: str) -> SafeString:
    """One table row per school: its link, URN, postcode and status unless open, LA, phase, Ofsted and its place in
    the partnership (`url` is the schools list's, each school's page below it)."""
    return mark_safe("".join(_school_row(school, url) for school in schools))  # noqa: S308 - each value is escaped


def _leader_row(leader, url: str) -> str:
    escape = conditional_escape
    status = "" if leader.status == "active" else (
        f' <strong class="govuk-tag govuk-tag--grey">{escape(leader.get_status_display())}</strong>')
    return LEADER_ROW.format(
        url=escape(url), pk=escape(leader.pk), name=escape(leader.name), status=status,
        designation=escape(leader.designation), school=escape(leader.home_school.name),
        review=escape(date_text(leader.review_due)), days=escape(days_text(leader.capacity_days_per_term)),
    )


@register.simple_tag
def leader_rows(leaders, url: str) -> SafeString:
    """One table row per system leader: their link and status unless active, designation code, home school, review
    date and days a term (`url` is the leaders list's, each leader's page below it)."""
    return mark_safe("".join(_leader_row(leader, url) for leader in leaders))  # noqa: S308 - each value is escaped
