"""The home lists written by `deployments.templatetags.home_rows` are the HTML the template loops
wrote (kept here), byte for byte: every caveat, termly and final reviews, overdue and due designations, a head's
deployments and requests at every status, and text that must be escaped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.template import engines

from alliances.models import School, SystemLeader
from deployments.models import Deployment, DeploymentStatus, RequestStatus, Review, SupportRequest
from deployments.progress import RequestProgress

OVERDUE_LOOP = """{% for r in overdue_reviews %}<li><a class="govuk-link" href="{% url 'deployments:review' partnership.slug r.pk %}">{{ r.deployment.school.name }}: {% if r.kind == "final" %}final evaluation{% else %}{{ r.term_label }}{% endif %}</a>, due {{ r.due_on|date_text }}{% include "deployments/_due_caveat.html" with review=r %} ({{ r.deployment.leader.name }})</li>{% endfor %}"""  # noqa: E501
OVERDUE_TAG = "{% load home_rows %}{% overdue_review_items overdue_reviews partnership.slug %}"
DESIGNATIONS_LOOP = """{% for l in designations_due %}<li><a class="govuk-link" href="{% url 'alliances:leader' partnership.slug l.pk %}">{{ l.name }}</a> ({{ l.designation }}): {% if l.review_due < today %}<strong class="govuk-tag govuk-tag--red">Overdue</strong> since{% else %}due{% endif %} {{ l.review_due|date_text }}</li>{% endfor %}"""  # noqa: E501
DESIGNATIONS_TAG = "{% load home_rows %}{% designation_due_items designations_due partnership.slug today %}"

HEAD_DEPLOYMENTS_LOOP = """{% load brokerage %}{% for d in deployments %}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell"><a class="govuk-link" href="{% url 'deployments:deployment' partnership.slug d.pk %}">{{ d.reference }}</a></td>
          <td class="govuk-table__cell">{{ d.school.name }}<span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">{{ d.leader.name }}, {{ d.days|days_phrase }}</span></td>
          <td class="govuk-table__cell"><strong class="{{ d.status|status_tag }}">{{ d.get_status_display }}</strong>
            <span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">{% if d.status == "proposed" %}The steering group will approve it or not.{% elif d.status == "approved" and not d.head_confirmed_at %}Read and confirm the agreement.{% elif d.status == "approved" %}Waiting for the system leader to confirm.{% elif d.status == "active" %}Confirm visits as they are logged.{% elif d.status == "paused" %}Paused: read the broker's note.{% else %}Nothing more to do.{% endif %}</span></td>
        </tr>
      {% endfor %}"""  # noqa: E501
HEAD_DEPLOYMENTS_TAG = "{% load home_rows %}{% head_deployment_rows deployments partnership.slug %}"
HEAD_REQUESTS_LOOP = """{% load brokerage %}{% for r in requests %}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell"><a class="govuk-link" href="{% if r.status == 'draft' %}{% url 'deployments:request_check' partnership.slug r.pk %}{% else %}{% url 'deployments:request' partnership.slug r.pk %}{% endif %}">{{ r.reference }}</a></td>
          <td class="govuk-table__cell">{{ r.school.name }}</td>
          <td class="govuk-table__cell"><strong class="{{ r.progress|status_tag }}">{{ r.get_progress_display }}</strong>
            <span class="govuk-body-s govuk-!-display-block govuk-!-margin-bottom-0">{{ r.progress|next_step }}</span></td>
        </tr>
      {% endfor %}"""  # noqa: E501
HEAD_REQUESTS_TAG = "{% load home_rows %}{% head_request_rows requests partnership.slug %}"

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


def test_a_heads_deployments_and_requests_are_the_loops_html():
    days = [Decimal("10"), Decimal("2.5"), Decimal("0.5"), Decimal("1"), None]
    deployments = [Deployment(pk=pk, school=School(urn=pk, name=NAMES[pk % 3]), leader=SystemLeader(
        pk=pk, name=NAMES[(pk + 1) % 3]), days=days[pk % len(days)], status=status,
        head_confirmed_at=date(2026, 9, 1) if confirmed else None)
        for pk, (status, confirmed) in enumerate(
            [(s, c) for s in [*DeploymentStatus.values, "unknown"] for c in (False, True)], start=1)]
    context = {"deployments": deployments, "partnership": _Partnership()}
    tag = _render(HEAD_DEPLOYMENTS_TAG, context)
    assert tag == _render(HEAD_DEPLOYMENTS_LOOP, context)
    assert "broker's note" in tag and "Read and confirm" in tag and "Waiting for the system leader" in tag
    progress = [*RequestProgress.values, *[s for s in RequestStatus.values if s not in RequestProgress.values]]
    requests = []
    for pk, value in enumerate(progress, start=1):
        request = SupportRequest(pk=pk * 5, school=School(urn=pk, name=NAMES[pk % 3]),
                                 status=value if value in RequestStatus.values else RequestStatus.MATCHED)
        request.progress = value
        requests.append(request)
    context = {"requests": requests, "partnership": _Partnership()}
    tag = _render(HEAD_REQUESTS_TAG, context)
    assert tag == _render(HEAD_REQUESTS_LOOP, context)
    assert "/check/" in tag and "&lt;Primary&gt;" in tag


APPROVAL_LOOP = """{% for d in awaiting_approval %}<li><a class="govuk-link" href="{% url 'deployments:deployment' partnership.slug d.pk %}">{{ d.reference }}: {{ d.school.name }}</a>, proposed {{ d.proposed_at|date_text }}</li>{% endfor %}"""  # noqa: E501
APPROVAL_TAG = "{% load home_rows %}{% awaiting_approval_items awaiting_approval partnership.slug %}"
AGREEMENT_LOOP = """{% for d in awaiting_agreement %}<li><a class="govuk-link" href="{% url 'deployments:deployment' partnership.slug d.pk %}">{{ d.reference }}: {{ d.school.name }}</a>{% if not d.head_confirmed_at %}, school not confirmed{% endif %}{% if not d.leader_confirmed_at %}, leader not confirmed{% endif %}</li>{% endfor %}"""  # noqa: E501
AGREEMENT_TAG = "{% load home_rows %}{% awaiting_agreement_items awaiting_agreement partnership.slug %}"


def test_the_brokers_deployments_waiting_for_approval_and_agreement_are_the_loops_html():
    from datetime import UTC, datetime

    moments = [datetime(2026, 6, 30, 23, 30, tzinfo=UTC), datetime(2026, 11, 1, 9, tzinfo=UTC), None]
    deployments = [Deployment(pk=pk, school=School(urn=pk, name=NAMES[pk % 3]), proposed_at=moments[pk % 3],
                              head_confirmed_at=moments[pk % 3], leader_confirmed_at=moments[(pk // 3) % 3])
                   for pk in range(1, 10)]
    context = {"awaiting_approval": deployments, "awaiting_agreement": deployments, "partnership": _Partnership()}
    approval, agreement = _render(APPROVAL_TAG, context), _render(AGREEMENT_TAG, context)
    assert approval == _render(APPROVAL_LOOP, context)
    assert agreement == _render(AGREEMENT_LOOP, context)
    assert "1 July 2026" in approval and "&lt;Primary&gt;" in approval and "&quot;Quoted&quot;" in agreement
    assert ", school not confirmed, leader not confirmed" in agreement and "</a></li>" in agreement
    assert _render(APPROVAL_TAG, {"awaiting_approval": [], "partnership": _Partnership()}) == ""
