"""The steering group's home lists written by `deployments.templatetags.home_rows` are the HTML the template loops
wrote (kept here), byte for byte: every caveat, termly and final reviews, overdue and due designations, and text
that must be escaped."""

from __future__ import annotations

from datetime import date

from django.template import engines

from alliances.models import School, SystemLeader
from deployments.models import Deployment, Review

OVERDUE_LOOP = """{% for r in overdue_reviews %}<li><a class="govuk-link" href="{% url 'deployments:review' partnership.slug r.pk %}">{{ r.deployment.school.name }}: {% if r.kind == "final" %}final evaluation{% else %}{{ r.term_label }}{% endif %}</a>, due {{ r.due_on|date_text }}{% include "deployments/_due_caveat.html" with review=r %} ({{ r.deployment.leader.name }})</li>{% endfor %}"""  # noqa: E501
OVERDUE_TAG = "{% load home_rows %}{% overdue_review_items overdue_reviews partnership.slug %}"
DESIGNATIONS_LOOP = """{% for l in designations_due %}<li><a class="govuk-link" href="{% url 'alliances:leader' partnership.slug l.pk %}">{{ l.name }}</a> ({{ l.designation }}): {% if l.review_due < today %}<strong class="govuk-tag govuk-tag--red">Overdue</strong> since{% else %}due{% endif %} {{ l.review_due|date_text }}</li>{% endfor %}"""  # noqa: E501
DESIGNATIONS_TAG = "{% load home_rows %}{% designation_due_items designations_due partnership.slug today %}"

NAMES = ["St Mary's C of E <Primary> & Nursery", 'The "Quoted" Academy', "Plain School"]


class _Partnership:
    slug = "a-b"


def _render(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


def _reviews() -> list[Review]:
    reviews = []
    for pk, (kind, term_key, known, provisional) in enumerate([
        ("termly", "2026-27 autumn", True, False), ("termly", "2026-27 spring", False, False),
        ("termly", "2026-27 summer", True, True), ("final", "2026-27 summer", False, True),
        ("termly", "odd <key>", True, False),
    ], start=1):
        review = Review(pk=pk * 11, kind=kind, term_key=term_key, due_on=date(2026, 11, pk),
                        deployment=Deployment(pk=pk, school=School(urn=pk, name=NAMES[pk % 3]),
                                              leader=SystemLeader(pk=pk, name=NAMES[(pk + 1) % 3])))
        review.due_term_known, review.due_year_provisional = known, provisional
        reviews.append(review)
    return reviews


def _leaders() -> list[SystemLeader]:
    due = [date(2026, 11, 30), date(2026, 12, 2), date(2027, 1, 1)]
    return [SystemLeader(pk=pk, name=NAMES[pk % 3], designation=["NLE", "SLE", "<X&Y>"][pk % 3], review_due=due[pk % 3])
            for pk in range(1, 7)]


def test_the_overdue_reviews_are_the_loops_html():
    context = {"overdue_reviews": _reviews(), "partnership": _Partnership()}
    tag = _render(OVERDUE_TAG, context)
    assert tag == _render(OVERDUE_LOOP, context)
    assert "Estimated" in tag and "Provisional" in tag and "final evaluation" in tag and "&lt;Primary&gt;" in tag
    assert _render(OVERDUE_TAG, {"overdue_reviews": [], "partnership": _Partnership()}) == ""


def test_the_designations_due_are_the_loops_html():
    context = {"designations_due": _leaders(), "partnership": _Partnership(), "today": date(2026, 12, 2)}
    tag = _render(DESIGNATIONS_TAG, context)
    assert tag == _render(DESIGNATIONS_LOOP, context)
    assert "Overdue</strong> since" in tag and "): due" in tag and "&lt;X&amp;Y&gt;" in tag
