"""Programmes in a real browser: a broker creates a programme and a cohort, adds a system leader as facilitator,
adds a session on a Saturday (giving the reason the form then asks for), and sees the clash with the leader's
deployment visit when adding a session on the visit's day. axe-core runs on every page visited."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from deployments.models import DeploymentStatus
from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import (
    DeploymentFactory,
    PartnershipFactory,
    SystemLeaderFactory,
    UserFactory,
    VisitFactory,
    make_member,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_broker_sets_up_a_cohort_with_a_saturday_session_and_sees_a_clash(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
    broker = make_member(partnership, Role.BROKER, mfa=False,
                         user=UserFactory(email=f"broker@{settings.DEMO_EMAIL_DOMAIN}"))
    leader = SystemLeaderFactory(partnership=partnership, name="Ruth Ward")
    deployment = DeploymentFactory(partnership=partnership, leader=leader, status=DeploymentStatus.ACTIVE)
    VisitFactory(deployment=deployment, visit_date=date(2026, 10, 6))
    base, visited = live_server.url, []

    sign_in(page, base, broker.user)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Programmes").click()
    expect(page.get_by_role("heading", name="Programmes", level=1)).to_be_visible()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Create a programme").click()
    page.get_by_label("Title", exact=True).fill("Leading from the middle")
    page.get_by_role("button", name="Create the programme").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a summary of the programme")
    check_accessibility(page, visited)
    page.get_by_label("Summary").fill("For middle leaders.")
    page.get_by_label("Outcomes (optional)").fill("Leads a team\nPlans improvement")
    page.get_by_label("Middle leaders", exact=True).check()
    page.get_by_role("button", name="Create the programme").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("created as a draft")
    check_accessibility(page, visited)

    page.get_by_role("button", name="Add a cohort").click()
    page.get_by_label("Name").fill("Autumn 2026 cohort")
    page.get_by_label("Academic year").fill("2026-27")
    page.get_by_label("Places", exact=True).fill("20")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Create the cohort").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("created as a draft")

    page.get_by_role("button", name="Add a facilitator").click()
    page.get_by_label("A system leader of the partnership").select_option(label="Ruth Ward")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Add the facilitator").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Ruth Ward is added")

    page.get_by_role("button", name="Add a session").click()
    page.get_by_label("Title").fill("Conference day")
    page.get_by_label("Date").fill("10/10/2026")
    page.get_by_label("Starts").fill("09:30")
    page.get_by_label("Ends").fill("15:30")
    page.get_by_label("Venue").fill("Comberton Village College")
    page.get_by_role("button", name="Add the session").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("is a Saturday, not a school day")
    check_accessibility(page, visited)
    page.get_by_label("Why is the session on a day schools are closed?").fill("The annual conference")
    page.get_by_role("button", name="Add the session").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Conference day is added")

    page.get_by_role("button", name="Add a session").click()
    page.get_by_label("Title").fill("Day 2")
    page.get_by_label("Date").fill("6/10/2026")
    page.get_by_label("Starts").fill("09:30")
    page.get_by_label("Ends").fill("15:30")
    page.get_by_label("Venue").fill("Comberton Village College")
    page.get_by_role("button", name="Add the session").click()
    expect(page.get_by_text("Clash: Ruth Ward has a deployment visit")).to_be_visible()
    expect(page.locator("#clashes")).to_contain_text("1 clash for facilitators")
    expect(page.locator(".session-clashes").first).to_contain_text("Ruth Ward")
    check_accessibility(page, visited)
    assert len(visited) == 7
