"""The steering group's home lists written in Python (overdue reviews, designations due): each item was a
template loop's link (`{% url %}`), variables and filters, and for a review an include per item. The HTML is the
loops' (`tests/deployments/test_home_rows.py` renders both, with text that must be escaped)."""

from __future__ import annotations

from collections.abc import Callable

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from deployments.templatetags.work_rows import _text
from portal.formats import date_text

register = template.Library()

_PK = 987654321  # stands for the pk in a URL reversed once


def _link(name: str, slug: str) -> Callable[[int], str]:
    """`{% url name slug pk %}` for any pk, reversed once."""
    before, after = (_text(part) for part in reverse(name, args=[slug, _PK]).split(str(_PK)))
    return lambda pk: f"{before}{pk}{after}"


def _caveat(review) -> str:
    """`deployments/_due_caveat.html`: how sure the due date is, when not sure."""
    caveat = review.due_caveat
    if not caveat:
        return ""
    why = ("there are no term dates for this term yet" if caveat == "Estimated"
           else "the local authority has not confirmed these term dates")
    return (f' <strong class="govuk-tag govuk-tag--yellow">{_text(caveat)}<span class="govuk-visually-hidden">: {why}'
            '</span></strong>')


@register.simple_tag
def overdue_review_items(reviews, slug: str) -> SafeString:
    """Overdue reviews: school and term (or final evaluation) linked to the review, due date, caveat, leader."""
    link = _link("deployments:review", slug)
    return mark_safe("".join(  # noqa: S308 - every value is escaped
        f'<li><a class="govuk-link" href="{link(r.pk)}">{_text(r.deployment.school.name)}: '
        f'{"final evaluation" if r.kind == "final" else _text(r.term_label)}</a>, due {_text(date_text(r.due_on))}'
        f'{_caveat(r)} ({_text(r.deployment.leader.name)})</li>' for r in reviews))


@register.simple_tag
def designation_due_items(leaders, slug: str, today) -> SafeString:
    """Designations due for review: the leader linked, their designation, overdue since or due on the date."""
    link = _link("alliances:leader", slug)
    overdue = '<strong class="govuk-tag govuk-tag--red">Overdue</strong> since'
    return mark_safe("".join(  # noqa: S308 - every value is escaped
        f'<li><a class="govuk-link" href="{link(leader.pk)}">{_text(leader.name)}</a> ({_text(leader.designation)}): '
        f'{overdue if leader.review_due is not None and leader.review_due < today else "due"} '
        f'{_text(date_text(leader.review_due))}</li>' for leader in leaders))
