"""In a browser, with axe-core: a partnership admin creates an API token (shown once), a system uses it over HTTP,
the admin revokes it; and a member subscribes to their calendar feed."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import PartnershipFactory, PartnershipSchoolFactory, SchoolFactory, UserFactory, make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings):
    settings.MFA_EXEMPT_DEMO_USERS = True  # this journey is about tokens; MFA has its own journey
    partnership = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
    admin = make_member(partnership, Role.ADMIN, mfa=False, user=UserFactory(email=f"admin@{settings.DEMO_EMAIL_DOMAIN}"))
    PartnershipSchoolFactory(partnership=partnership,
                             school=SchoolFactory(urn="139087", name="Histon and Impington Junior School"))
    return partnership, admin


def _get(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the test's own live server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_an_admin_creates_a_token_a_system_uses_it_and_the_admin_revokes_it(page, live_server, world):
    _, admin = world
    visited: list[str] = []
    sign_in(page, live_server.url, admin.user)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    check_accessibility(page, visited)
    # A form with a mistake: the errors say what to fix and keep what was typed.
    page.get_by_label("Name").fill("County data warehouse")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose at least one resource")
    expect(page.get_by_label("Name")).to_have_value("County data warehouse")
    check_accessibility(page, visited)
    page.get_by_label("Schools in the partnership").check()
    page.get_by_label("Expiry date").fill((date.today() + timedelta(days=60)).strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="Token created")).to_be_visible()
    token = page.get_by_label("New token").input_value()
    assert token.startswith("s2s_")
    check_accessibility(page, visited)

    status, body = _get(f"{live_server.url}/api/v1/schools", token)
    assert status == 200 and [row["urn"] for row in body["results"]] == ["139087"]
    assert _get(f"{live_server.url}/api/v1/deployments", token)[0] == 403  # not in its scopes

    # Shown once: the list names it by its first characters only.
    page.reload()
    expect(page.get_by_role("table")).to_contain_text(token[:8])
    assert token not in page.content()
    page.get_by_role("link", name="Revoke County data warehouse").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Revoke token").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("no longer works")
    expect(page.get_by_role("table")).to_contain_text("Revoked")
    check_accessibility(page, visited)
    assert _get(f"{live_server.url}/api/v1/schools", token)[0] == 401


def test_a_member_makes_a_calendar_feed_address_their_calendar_can_read(page, live_server, world):
    _, admin = world
    visited: list[str] = []
    sign_in(page, live_server.url, admin.user)
    page.goto(f"{live_server.url}/p/cambridgeshire/calendar-feed/")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Make a feed address").click()
    address = page.get_by_label("Feed address").input_value()
    check_accessibility(page, visited)
    path = address.split("/calendar/", 1)[1]
    with urllib.request.urlopen(f"{live_server.url}/calendar/{path}", timeout=10) as response:  # noqa: S310
        assert response.headers["Content-Type"].startswith("text/calendar")
        assert b"BEGIN:VCALENDAR" in response.read()
    page.get_by_role("link", name="Revoke the feed address").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Revoke the feed address").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("no longer works")
    check_accessibility(page, visited)
