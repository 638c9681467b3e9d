"""The brokerage lists' rows written by `deployments.templatetags.work_rows` are the HTML the template loops wrote
(kept here), byte for byte, for every status, whole and half days, no days, and text that must be escaped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django.template import engines

from alliances.models import School, SystemLeader
from deployments.models import Deployment, DeploymentStatus, Offer, OfferStatus, SupportRequest

DEPLOYMENT_LOOP = """{% load brokerage %}{% for d in page %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell"><a class="govuk-link" href="{{ deployments_url }}{{ d.pk }}/">{{ d.reference }}</a></td>
      <td class="govuk-table__cell">{{ d.school.name }}</td>
      <td class="govuk-table__cell">{{ d.leader.name }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ d.days|days_text }}</td>
      <td class="govuk-table__cell">{{ d.start_date|date_text }} to {{ d.end_date|date_text }}</td>
      <td class="govuk-table__cell"><strong class="{{ d.status|status_tag }}">{{ d.get_status_display }}</strong></td>
    </tr>
  {% endfor %}
"""
DEPLOYMENT_TAG = "{% load work_rows %}{% deployment_rows page deployments_url %}\n"

OPEN_LOOP = """{% for o in open %}<li><a class="govuk-link" href="{{ offers_url }}{{ o.pk }}/">{{ o.request.school.name }}: {{ o.request.days_wanted|days_phrase }} ({{ o.request.reference }})</a><br><span class="govuk-body-s">Answer by {{ o.expires_at|date_text }}</span></li>{% endfor %}"""  # noqa: E501
OPEN_TAG = "{% load work_rows %}{% open_offer_items open offers_url %}"
EARLIER_LOOP = """{% load brokerage %}{% for o in page %}<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="{{ offers_url }}{{ o.pk }}/">{{ o.request.school.name }} ({{ o.request.reference }})</a></td><td class="govuk-table__cell">{{ o.created_at|date_text }}</td><td class="govuk-table__cell"><strong class="{{ o.status|status_tag }}">{{ o.get_status_display }}</strong></td></tr>{% endfor %}"""  # noqa: E501
EARLIER_TAG = "{% load work_rows %}{% earlier_offer_rows page offers_url %}"

NAMES = ["St Mary's C of E <Primary> & Nursery", 'The "Quoted" Academy', "Plain School"]


def _render(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


def _deployments() -> list[Deployment]:
    days = [Decimal("10"), Decimal("2.5"), Decimal("0.5"), Decimal("12.0"), Decimal("3")]
    return [Deployment(pk=pk, school=School(urn=100000 + pk, name=NAMES[pk % 3]),
                       leader=SystemLeader(pk=pk, name=NAMES[(pk + 1) % 3].replace("School", "Leader")),
                       days=days[pk % len(days)], start_date=date(2026, 9, pk % 28 + 1), end_date=date(2027, 7, 20),
                       status=status)
            for pk, status in enumerate([*DeploymentStatus.values, "unknown"], start=1)]


def _offers() -> list[Offer]:
    wanted = [Decimal("1"), Decimal("4.5"), None, Decimal("20")]
    return [Offer(pk=pk * 7, request=SupportRequest(pk=pk * 3, school=School(urn=200000 + pk, name=NAMES[pk % 3]),
                                                    days_wanted=wanted[pk % len(wanted)]),
                  created_at=datetime(2026, 3, 29, 23, 30, tzinfo=UTC), expires_at=datetime(2026, 10, pk, 12, tzinfo=UTC),
                  status=status)
            for pk, status in enumerate(OfferStatus.values, start=1)]


def test_the_deployment_rows_are_the_loops_html():
    context = {"page": _deployments(), "deployments_url": "/p/a&b/deployments/"}
    tag = _render(DEPLOYMENT_TAG, context)
    assert tag == _render(DEPLOYMENT_LOOP, context)
    assert "St Mary&#x27;s C of E &lt;Primary&gt; &amp; Nursery" in tag and "/p/a&amp;b/deployments/1/" in tag
    assert tag.count('<tr class="govuk-table__row">') == len(DeploymentStatus.values) + 1


def test_the_offer_rows_are_the_loops_html():
    context = {"open": _offers(), "page": _offers(), "offers_url": "/p/x/offers/"}
    assert _render(OPEN_TAG, context) == _render(OPEN_LOOP, context)
    assert _render(EARLIER_TAG, context) == _render(EARLIER_LOOP, context)
    assert "&quot;Quoted&quot;" in _render(EARLIER_TAG, context)


def test_no_rows_write_nothing():
    empty = {"page": [], "open": [], "deployments_url": "/", "offers_url": "/"}
    assert _render(DEPLOYMENT_TAG, empty) == "\n"
    assert _render(OPEN_TAG, empty) == _render(EARLIER_TAG, empty) == ""
