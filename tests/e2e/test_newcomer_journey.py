"""A newcomer accepts an invitation, signs up, sets up MFA, switches partnership and reads a notification.

Every page visited is checked with axe-core: 0 serious or critical violations.
"""

from __future__ import annotations

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from portal.tenancy import services
from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility, totp_now
from tests.factories import PartnershipFactory, make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "newcomer@school.example.org"
PASSWORD = "a-long-and-unusual-pass-phrase"


@pytest.fixture
def invitations():
    cambs = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
    ealing = PartnershipFactory(name="Ealing Learning Partnership", slug="ealing")
    cambs_admin = make_member(cambs, Role.ADMIN)
    ealing_admin = make_member(ealing, Role.ADMIN)
    with scope(partnership=cambs):
        broker = services.invite_member(actor=cambs_admin, email=EMAIL, role=Role.BROKER)
    with scope(partnership=ealing):
        head = services.invite_member(actor=ealing_admin, email=EMAIL, role=Role.HEADTEACHER)
    return {"cambs": (cambs, broker.token), "ealing": (ealing, head.token)}


def test_a_newcomer_joins_two_partnerships_and_reads_a_notification(page, live_server, invitations):
    visited: list[str] = []
    base = live_server.url
    cambs, cambs_token = invitations["cambs"]
    ealing, ealing_token = invitations["ealing"]

    # The invitation link from the email.
    page.goto(f"{base}/invitations/{cambs_token}/")
    assert page.locator("h1").inner_text() == "Join Cambridgeshire Teaching School Network"
    check_accessibility(page, visited)

    page.get_by_role("button", name="Create an account").click()
    assert page.locator("h1").inner_text() == "Create an account"
    check_accessibility(page, visited)
    page.get_by_label("Full name").fill("Nia Newcomer")
    page.get_by_label("Email").first.fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # Back on the invitation, signed in: accept it.
    assert page.url == f"{base}/invitations/{cambs_token}/"
    check_accessibility(page, visited)
    page.get_by_role("button", name="Accept and join Cambridgeshire Teaching School Network").click()

    # A broker must set up two-factor authentication before any partnership page; allauth first asks
    # for the password again, as it does before any change to sign-in methods.
    assert "/account/reauthenticate/" in page.url
    check_accessibility(page, visited)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    assert "/account/2fa/totp/activate" in page.url
    check_accessibility(page, visited)
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    page.get_by_role("button", name="Activate").click()
    assert page.locator("h1").inner_text() == "Recovery codes"
    check_accessibility(page, visited)
    page.get_by_role("button", name="Continue").click()

    assert page.url == f"{base}/p/cambridgeshire/"
    assert "Broker" in page.locator("main").inner_text()
    check_accessibility(page, visited)

    # The second invitation: already signed in with the right address.
    page.goto(f"{base}/invitations/{ealing_token}/")
    page.get_by_role("button", name="Accept and join Ealing Learning Partnership").click()
    assert page.url == f"{base}/p/ealing/"
    assert "You have joined Ealing Learning Partnership as Headteacher" in page.locator("main").inner_text()
    check_accessibility(page, visited)

    # Switch back to Cambridgeshire.
    page.get_by_role("link", name="Switch partnership").first.click()
    assert page.locator("h1").inner_text() == "Choose a partnership"
    check_accessibility(page, visited)
    page.get_by_role("link", name="Cambridgeshire Teaching School Network").click()
    assert page.url == f"{base}/p/cambridgeshire/"

    # Read the welcome notification.
    nav = page.get_by_role("navigation", name="Menu")
    assert "1 unread" in nav.inner_text()
    nav.get_by_role("link", name="Notifications").click()
    assert page.locator("h1").inner_text() == "Notifications"
    check_accessibility(page, visited)
    page.get_by_role("link", name="Welcome to Cambridgeshire Teaching School Network").click()
    assert page.url == f"{base}/p/cambridgeshire/"
    assert "unread" not in page.get_by_role("navigation", name="Menu").inner_text()
    page.goto(f"{base}/p/cambridgeshire/notifications/")
    assert page.locator(".govuk-tag", has_text="Unread").count() == 0
    check_accessibility(page, visited)

    # The Ealing notification stays in Ealing.
    page.goto(f"{base}/p/ealing/notifications/")
    assert "Welcome to Ealing Learning Partnership" in page.locator("main").inner_text()
    assert "Cambridgeshire" not in page.locator("main").inner_text()
    check_accessibility(page, visited)

    # Signing in again asks for the authenticator code, then offers the choice of partnership.
    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign Out").click()
    page.goto(f"{base}/account/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert "/account/2fa/authenticate/" in page.url
    check_accessibility(page, visited)
    page.get_by_label("Code").fill(totp_now(secret))
    page.get_by_role("button", name="Sign In").click()
    assert page.url == f"{base}/" and page.locator("h1").inner_text() == "Choose a partnership"

    assert len(visited) >= 12


def test_public_pages_are_accessible(page, live_server):
    visited: list[str] = []
    for path in ("/", "/account/login/", "/accessibility/", "/account/signup/", "/account/password/reset/",
                 "/invitations/not-a-real-token/"):
        page.goto(f"{live_server.url}{path}")
        check_accessibility(page, visited)
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_accessibility(page, visited)
