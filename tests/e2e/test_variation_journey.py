"""Changing an agreed deployment in a real browser: the leader runs out of agreed days and is sent to the changes,
the broker proposes more days, an approver approves, the head and the leader confirm, and the leader logs the extra
days. axe-core runs on every page visited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from alliances.models import SystemLeader
from deployments import processes
from deployments.brokerage import offers, proposals
from deployments.brokerage.proposals import ObjectiveInput
from deployments.delivery import visits
from deployments.models import Deployment, Offer, SupportRequest
from deployments.requests import services as requests
from portal.tenancy.roles import Role
from tests.deployments.conftest import school_day
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_brokerage_journey import _people
from tests.e2e.test_directory import sign_in
from tests.factories import default_specialisms

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _agreed(partnership, people, request) -> Deployment:
    """Two days of maths support from ten days ago, agreed by both sides, with both days logged: through the services."""
    today = timezone.localdate()
    broker, leader = people[Role.BROKER], people[Role.SYSTEM_LEADER]
    maths = default_specialisms(partnership)["Mathematics"]
    with scope(partnership=partnership):
        request = requests.triage_request(actor=broker, request=request, eligible=True, support_level="targeted")
        [offer] = offers.make_offers(actor=broker, request=request, leaders=[SystemLeader.objects.get(user=leader.user)])
        processes.accept_offer(actor=leader, offer=Offer.objects.get(pk=offer.pk))
        deployment = proposals.propose_deployment(
            actor=broker, request=SupportRequest.objects.get(pk=request.pk),
            objectives=[ObjectiveInput(maths, "Teachers plan KS2 maths with confidence", "80% at the expected standard")],
            days=Decimal(2), rate_kind="member", day_rate=Decimal(350), funder="school",
            start_date=today - timedelta(days=10), end_date=today + timedelta(days=40))
        processes.decide_deployment(actor=people[Role.APPROVER], deployment=deployment, approve=True, rationale="Yes")
        for role in (Role.HEADTEACHER, Role.SYSTEM_LEADER):
            processes.confirm_agreement(actor=people[role], deployment=Deployment.objects.get(pk=deployment.pk))
        for back in (3, 2):
            visits.log_visit(actor=leader, deployment=Deployment.objects.get(pk=deployment.pk),
                             visit_date=school_day(back), days=Decimal(1), focus="KS2 maths")
        return Deployment.objects.get(pk=deployment.pk)


def test_more_days_for_an_agreed_deployment_from_proposal_to_the_extra_visit(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership, people, request = _people(settings)
    deployment = _agreed(partnership, people, request)
    base, visited = live_server.url, []
    main = page.locator("main")
    deployment_page = f"{base}/p/{partnership.slug}/deployments/{deployment.pk}/"

    def as_role(role):
        page.context.clear_cookies()
        sign_in(page, base, people[role].user)
        page.goto(deployment_page)
        check_accessibility(page, visited)

    def log_visit():
        page.get_by_role("button", name="Log a visit").click()
        page.get_by_label("Date of the visit").fill(school_day(0).strftime("%d/%m/%Y"))
        page.get_by_label("Whole day").check()
        page.get_by_label("Focus").fill("Year 6 reasoning")
        page.get_by_role("button", name="Log the visit").click()

    # The leader has used the agreed days: the page says so instead of offering "Log a visit", and sends them to
    # where a change is made.
    as_role(Role.SYSTEM_LEADER)
    block = page.locator("#log-block")
    assert "All 2 agreed days are logged" in block.inner_text()
    assert page.get_by_role("button", name="Log a visit").count() == 0
    block.get_by_role("link", name="Go to the changes to the agreement").click()
    assert page.url == f"{deployment_page}#changes"
    assert "ask the broker" in page.locator("#changes ~ p").first.inner_text()

    # The broker proposes two more days from the prefilled form; an unchanged form is an error.
    as_role(Role.BROKER)
    page.get_by_role("button", name="Propose a change").click()
    assert page.get_by_label("Days of support").input_value() == "2.0"
    page.get_by_label("Why does the agreement change?").fill("The school asked for two more days of coaching.")
    page.get_by_role("button", name="Propose the change").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Nothing has changed")
    assert page.title().startswith("Error: ")
    check_accessibility(page, visited)
    page.get_by_label("Days of support").fill("4")
    page.get_by_role("button", name="Propose the change").click()
    assert "Approvers have been asked to decide" in main.inner_text()
    check_accessibility(page, visited)

    # The approver approves with a rationale.
    as_role(Role.APPROVER)
    page.get_by_role("button", name="Approve or decline the change").click()
    check_accessibility(page, visited)
    page.get_by_label("Approve the change").check()
    page.get_by_label("Rationale").fill("Within the leader's capacity.")
    page.get_by_role("button", name="Save decision").click()
    assert "You approved the change" in main.inner_text()

    # The head and the leader each confirm it.
    for role in (Role.HEADTEACHER, Role.SYSTEM_LEADER):
        as_role(role)
        page.get_by_role("button", name="Confirm the change").click()
        check_accessibility(page, visited)
    assert "so it is in force" in main.inner_text()

    # The page shows both versions, on the change and in the timeline, and the leader logs the extra day.
    changed = page.locator("table", has=page.locator("caption", has_text="What changed"))
    assert "2 days" in changed.inner_text() and "4 days" in changed.inner_text()
    assert "Days: 2 days" in page.locator("#timeline ~ ol").inner_text()
    log_visit()
    assert "The school has been asked to confirm it" in main.inner_text()
    check_accessibility(page, visited)
    assert len(visited) >= 10
