"""The school directory in a browser, as a broker and as an LA officer, with axe-core on every page."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from alliances.importers import run_import
from alliances.models import LocalAuthority
from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility
from tests.factories import PASSWORD, PartnershipFactory, UserFactory, make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def directory():
    run_import(settings.SHARED_DATA_DIR / "east_and_ealing" / "dfe_school_spine_2017_18.csv")
    run_import(settings.SHARED_DATA_DIR / "east_and_ealing" / "edubase_schools_in_england_2017_subset.csv")
    partnership = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
    # Demo addresses, so the MFA exemption lets these journeys stay on the directory (MFA has its own).
    broker = make_member(partnership, Role.BROKER, mfa=False,
                         user=UserFactory(email=f"broker@{settings.DEMO_EMAIL_DOMAIN}"))
    officer = make_member(partnership, Role.LA_OFFICER, mfa=False,
                          user=UserFactory(email=f"la@{settings.DEMO_EMAIL_DOMAIN}"))
    officer.local_authorities.add(LocalAuthority.objects.get(code="873"))
    return partnership, broker, officer


def sign_in(page, base, user):
    page.goto(f"{base}/account/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_broker_finds_a_school_and_adds_it_to_the_partnership(page, live_server, directory, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership, broker, _ = directory
    visited: list[str] = []
    base = live_server.url
    sign_in(page, base, broker.user)
    assert page.url == f"{base}/p/cambridgeshire/", page.url + page.locator("main").inner_text()[:500]
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Schools").click()
    assert page.locator("h1").inner_text() == "Schools"
    check_accessibility(page, visited)

    page.get_by_label("Name, URN or postcode").fill("Histon")
    page.get_by_label("Local authority").select_option(label="Cambridgeshire (873)")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]q=Histon"))
    results = page.locator("tbody a.govuk-link")
    expect(results.nth(1)).to_be_visible()
    check_accessibility(page, visited)
    page.get_by_role("link", name="Histon and Impington Junior School").click()
    assert page.locator("h1").inner_text() == "Histon and Impington Junior School"
    check_accessibility(page, visited)

    page.get_by_role("link", name="Add this school to the partnership").click()
    check_accessibility(page, visited)
    page.get_by_label("Member until (optional)").fill("31/8/2020")
    page.get_by_label("Member from (optional)").fill("1/9/2026")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_accessibility(page, visited)
    page.get_by_label("Member until (optional)").fill("")
    page.get_by_role("button", name="Save").click()
    assert "Saved Histon and Impington Junior School" in page.locator("main").inner_text()
    assert page.locator("dt:has-text('Membership') + dd").inner_text() == "Member"
    check_accessibility(page, visited)

    page.goto(f"{base}/p/cambridgeshire/schools/add/")
    page.get_by_label("URN").fill("99")
    page.get_by_role("button", name="Continue").click()
    assert "A URN is 6 digits" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, visited)


def test_an_la_officer_sees_only_their_authority(page, live_server, directory, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    _, _, officer = directory
    visited: list[str] = []
    sign_in(page, live_server.url, officer.user)
    page.goto(f"{live_server.url}/p/cambridgeshire/schools/?q=Ealing")
    check_accessibility(page, visited)
    options = page.get_by_label("Local authority").locator("option").all_inner_texts()
    assert options == ["Any local authority", "Cambridgeshire (873)"]
    page.goto(f"{live_server.url}/p/cambridgeshire/schools/")
    assert "Ealing" not in page.locator("tbody").inner_text()
