"""Emails write days and dates the way the pages do: "1 day", "4 days", "1 December 2026", never "1 days",
"4.0 days", "None days" or "1 Dec 2026"."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django_scopes import scope

from deployments import processes
from deployments.models import SupportRequest
from deployments.requests import services
from tests.deployments.conftest import accepted, deliver, propose
from tests.deployments.requests.conftest import complete_draft
from tests.factories import default_specialisms


def _bodies(message) -> tuple[str, str]:
    html = next(content for content, kind in message.alternatives if kind == "text/html")
    return message.body, html


def _written(day) -> str:
    return f"{day.day} {day:%B %Y}"


def test_a_one_day_request_emails_brokers_1_day_not_1_0_days(partnership, broker, headteacher):
    draft = complete_draft(headteacher, default_specialisms(partnership))
    with scope(partnership=headteacher.partnership):
        draft = services.update_draft(actor=headteacher, request=draft, days_wanted=Decimal("1.0"))
        services.submit_request(actor=headteacher, request=SupportRequest.objects.get(pk=draft.pk))
    [message] = deliver("request.submitted")
    for body in _bodies(message):
        assert f"({draft.reference}): 1 day, soon: within a few weeks." in body
        for leak in ("1.0 days", "1 days", "None"):
            assert leak not in body


def test_the_approval_email_gives_whole_days_and_dates_in_full(brokerage):
    b = brokerage
    accepted(b)
    today = timezone.localdate()
    with scope(partnership=b.partnership):
        deployment = propose(b, days=Decimal("4.0"))
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Good fit.")
    messages = deliver("deployment.decided")
    assert messages
    expected = f"4 days from {_written(today)} to {_written(today + timedelta(days=60))}."
    for message in messages:
        text, html = _bodies(message)
        assert expected in text and expected in html, text
        assert "4.0" not in text
