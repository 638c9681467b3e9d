"""A headteacher asks for support in the browser; the broker sees it. axe-core on every page."""

from __future__ import annotations

import pytest

from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import PartnershipFactory, SchoolFactory, UserFactory, default_specialisms, make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_headteacher_asks_for_support_and_a_broker_is_told(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
    school = SchoolFactory(urn="110746", name="Bewick Bridge Community Primary School", phase="")
    head = make_member(partnership, Role.HEADTEACHER, user=UserFactory(email=f"head@{settings.DEMO_EMAIL_DOMAIN}"))
    head.schools.add(school)
    broker = make_member(partnership, Role.BROKER, mfa=False, user=UserFactory(email=f"broker@{settings.DEMO_EMAIL_DOMAIN}"))
    default_specialisms(partnership)
    base, visited = live_server.url, []

    sign_in(page, base, head.user)
    page.get_by_role("button", name="Ask for support").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Save and continue").click()
    assert "Select at least one area" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, visited)
    page.get_by_label("Mathematics").check()
    page.get_by_label("Assessment and moderation").check()
    page.get_by_role("button", name="Save and continue").click()
    check_accessibility(page, visited)
    page.get_by_label("What is going on?").fill("Key stage 2 maths results fell two years running.")
    page.get_by_label("What would good look like at the end of the support?").fill("Teachers confident; results recovering.")
    page.get_by_role("button", name="Save and continue").click()
    check_accessibility(page, visited)
    page.get_by_label("Soon: within a few weeks").check()
    page.get_by_label("How many days of support do you think you need?").fill("3.5")
    page.get_by_role("button", name="Save and continue").click()
    check_accessibility(page, visited)
    page.get_by_label("Our school budget").check()
    page.get_by_label("I agree that the steering group can share").check()
    page.get_by_role("button", name="Save and continue").click()
    assert page.locator("h1").inner_text() == "Check your answers before sending your request"
    check_accessibility(page, visited)
    page.get_by_role("link", name="Change days wanted").click()
    page.get_by_label("How many days of support do you think you need?").fill("4")
    page.get_by_role("button", name="Save and continue").click()
    assert "4 days" in page.locator(".govuk-summary-list").inner_text()
    page.get_by_role("button", name="Send request").click()
    assert page.locator(".govuk-panel__title").inner_text() == "Request sent"
    check_accessibility(page, visited)

    page.context.clear_cookies()
    sign_in(page, base, broker.user)
    nav = page.get_by_role("navigation", name="Menu")
    assert "1 unread" in nav.inner_text()
    nav.get_by_role("link", name="Notifications").click()
    page.get_by_role("link", name="Bewick Bridge Community Primary School asked for support").click()
    assert "Key stage 2 maths results fell" in page.locator("main").inner_text()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Triage this request").click()
    check_accessibility(page, visited)
    page.get_by_label("Yes, find a system leader").check()
    page.get_by_role("button", name="Save decision").click()
    assert "Select a support level" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, visited)
    page.get_by_label("Targeted support").check()
    page.get_by_label("Note for the headteacher").fill("We will look for a maths SLE near you.")
    page.get_by_role("button", name="Save decision").click()
    assert "The headteacher has been told." in page.locator("main").inner_text()
    check_accessibility(page, visited)

    page.context.clear_cookies()
    sign_in(page, base, head.user)
    assert "The steering group is finding a system leader." in page.locator("main").inner_text()
    check_accessibility(page, visited)
