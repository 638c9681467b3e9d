"""A proposal that starts in the past is never accepted silently: the broker confirms it on the page."""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup
from django.utils import timezone
from django_scopes import scopes_disabled

from deployments.models import Deployment
from tests.deployments.conftest import accepted
from tests.pages import done


def _d(value) -> str:
    return value.strftime("%d/%m/%Y")


def test_a_proposal_starting_in_the_past_asks_for_confirmation_then_goes_through(client, brokerage):
    b = brokerage
    accepted(b)
    base = f"/p/{b.partnership.slug}"
    client.force_login(b.broker.user)
    past = timezone.localdate() - timedelta(days=14)
    form = {"objective_1_area": b.spec["Mathematics"].pk, "objective_1_description": "Lift KS2 maths",
            "objective_1_success": "80% at the expected standard", "days": "3", "rate_kind": "member",
            "day_rate": "350", "funder": "school", "start_date": _d(past), "end_date": _d(past + timedelta(days=60))}
    fresh = BeautifulSoup(client.get(f"{base}/requests/{b.request.pk}/propose/").content, "html.parser")
    assert fresh.find("input", attrs={"name": "confirm_past"}) is None  # asked only once a past date is entered
    refused = client.post(f"{base}/requests/{b.request.pk}/propose/", form)
    page = BeautifulSoup(refused.content, "html.parser")
    assert refused.status_code == 200 and page.title.get_text().strip().startswith("Error: ")
    assert "The start date is in the past." in page.find(class_="govuk-error-summary").get_text()
    assert page.find("input", attrs={"name": "confirm_past"}) is not None
    with scopes_disabled():
        assert not Deployment.objects.filter(request=b.request).exists()
    confirmed = client.post(f"{base}/requests/{b.request.pk}/propose/", {**form, "confirm_past": "on"}, follow=True)
    with scopes_disabled():
        deployment = Deployment.objects.get(request=b.request)
    done(confirmed, f"{base}/deployments/{deployment.pk}/", f"Deployment {deployment.reference} is proposed.")
    assert deployment.start_date == past
