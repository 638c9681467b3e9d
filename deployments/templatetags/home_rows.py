"""Home lists written in Python (the steering group's overdue reviews and designations due, the broker's deployments
waiting for approval and for the agreement, a head's deployments and requests): each item was a template loop's
link (`{% url %}`), variables and filters, and for a review an include per item. The HTML is the loops'
(`tests/deployments/test_home_rows.py` renders both, with text that must be escaped)."""

from __future__ import annotations

from collections.abc import Callable

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from deployments.templatetags.brokerage import next_step, status_tag
from portal.days import days_phrase
from portal.formats import date_text
from portal.ui.printed import printed

register = template.Library()

_PK = 987654321  # stands for the pk in a URL reversed once


def _link(name: str, slug: str) -> Callable[[int], str]:
    """`{% url name slug pk %}` for any pk, reversed once."""
    before, after = (printed(part) for part in reverse(name, args=[slug, _PK]).split(str(_PK)))
    return lambda pk: f"{before}{pk}{after}"


def _caveat(review) -> str:
    """`deployments/_due_caveat.html`: how sure the due date is, when not sure."""
    caveat = review.due_caveat
    if not caveat:
        return ""
    why = ("there are no term dates for this term yet" if caveat == "Estimated"
           else "the local authority has not confirmed these term dates")
    return (f' <strong class="govuk-tag govuk-tag--yellow">{printed(caveat)}<span class="govuk-visually-hidden">: {why}'
            '</span></strong>')


@register.simple_tag
def overdue_review_items(reviews, slug: str) -> SafeString:
    """Overdue reviews: school and term (or final evaluation) linked to the review, due date, caveat, leader."""
    link = _link("deployments:review", slug)
    return mark_safe("".join(  # noqa: S308 - every value is escaped
        f'<li><a class="govuk-link" href="{link(r.pk)}">{printed(r.deployment.school.name)}: '
        f'{"final evaluation" if r.kind == "final" else printed(r.term_label)}</a>, due {printed(date_text(r.due_on))}'
        f'{_caveat(r)} ({printed(r.deployment.leader.name)})</li>' for r in reviews))


@register.simple_tag
def designation_due_items(leaders, slug: str, today) -> SafeString:
    """Designations due for review: the leader linked, their designation, overdue since or due on the date."""
    link = _link("alliances:leader", slug)
    overdue = '<strong class="govuk-tag govuk-tag--red">Overdue</strong> since'
    return mark_safe("".join(  # noqa: S308 - every value is escaped
        f'<li><a class="govuk-link" href="{link(leader.pk)}">{printed(leader.name)}</a> ({printed(leader.designation)}): '
        f'{overdue if leader.review_due is not None and leader.review_due < today else "due"} '
        f'{printed(date_text(leader.review_due))}</li>' for leader in leaders))


@register.simple_tag
def awaiting_approval_items(deployments, slug: str) -> SafeString:
    """The broker's deployments proposed and waiting for approval: reference and school linked, when proposed."""
    link = _link("deployments:deployment", slug)
    return mark_safe("".join(  # noqa: S308 - every value is escaped
        f'<li><a class="govuk-link" href="{link(d.pk)}">{printed(d.reference)}: {printed(d.school.name)}</a>, proposed '
        f'{printed(date_text(d.proposed_at))}</li>' for d in deployments))


@register.simple_tag
def awaiting_agreement_items(deployments, slug: str) -> SafeString:
    """The broker's deployments approved and waiting for the agreement: reference and school linked, who has not
    confirmed it yet."""
    link = _link("deployments:deployment", slug)
    return mark_safe("".join(  # noqa: S308 - every value is escaped
        f'<li><a class="govuk-link" href="{link(d.pk)}">{printed(d.reference)}: {printed(d.school.name)}</a>'
        f'{"" if d.head_confirmed_at else ", school not confirmed"}'
        f'{"" if d.leader_confirmed_at else ", leader not confirmed"}</li>' for d in deployments))


HEAD_DEPLOYMENT_ROW = (
    '\n        <tr class="govuk-table__row">\n'
    '          <td class="govuk-table__cell"><a class="govuk-link" href="{url}">{reference}</a></td>\n'
    '          <td class="govuk-table__cell">{school}<span class="govuk-body-s govuk-!-display-block '
    'govuk-!-margin-bottom-0">{leader}, {days}</span></td>\n'
    '          <td class="govuk-table__cell"><strong class="{tag}">{status}</strong>\n'
    '            <span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">{step}</span></td>\n'
    '        </tr>\n      ')
HEAD_STEPS = {"proposed": "The steering group will approve it or not.", "active": "Confirm visits as they are logged.",
              "paused": "Paused: read the broker's note."}


def _head_step(deployment) -> str:
    if deployment.status == "approved":
        return ("Waiting for the system leader to confirm." if deployment.head_confirmed_at
                else "Read and confirm the agreement.")
    return HEAD_STEPS.get(deployment.status, "Nothing more to do.")


@register.simple_tag
def head_deployment_rows(deployments, slug: str) -> SafeString:
    """A head's deployments: reference linked, school, leader and days, status and what the head does next."""
    link = _link("deployments:deployment", slug)
    return mark_safe("".join(HEAD_DEPLOYMENT_ROW.format(  # noqa: S308 - every value is escaped
        url=link(d.pk), reference=printed(d.reference), school=printed(d.school.name), leader=printed(d.leader.name),
        days=printed(days_phrase(d.days)), tag=printed(status_tag(d.status)), status=printed(d.get_status_display()),
        step=_head_step(d)) for d in deployments))


HEAD_REQUEST_ROW = (
    '\n        <tr class="govuk-table__row">\n'
    '          <td class="govuk-table__cell"><a class="govuk-link" href="{url}">{reference}</a></td>\n'
    '          <td class="govuk-table__cell">{school}</td>\n'
    '          <td class="govuk-table__cell"><strong class="{tag}">{progress}</strong>\n'
    '            <span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">{step}</span></td>\n'
    '        </tr>\n      ')


@register.simple_tag
def head_request_rows(requests, slug: str) -> SafeString:
    """A head's requests: reference linked (a draft to its check page), school, progress and the next step."""
    draft, sent = _link("deployments:request_check", slug), _link("deployments:request", slug)
    return mark_safe("".join(HEAD_REQUEST_ROW.format(  # noqa: S308 - every value is escaped
        url=(draft if r.status == "draft" else sent)(r.pk), reference=printed(r.reference), school=printed(r.school.name),
        tag=printed(status_tag(r.progress)), progress=printed(r.get_progress_display()), step=printed(next_step(r.progress)))
        for r in requests))
