"""The catalogue in a real browser: a broker creates a catalogue, adds a service (fixing an error first) and
publishes it; a headteacher sees it with their school's price and why. axe-core runs on every page visited."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import PartnershipFactory, PartnershipSchoolFactory, SchoolFactory, UserFactory, make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_broker_publishes_a_catalogue_and_a_head_sees_their_price(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    domain = settings.DEMO_EMAIL_DOMAIN
    partnership = PartnershipFactory(name="Ealing Learning Partnership", slug="ealing")
    broker = make_member(partnership, Role.BROKER, mfa=False, user=UserFactory(email=f"broker@{domain}"))
    head = make_member(partnership, Role.HEADTEACHER, mfa=False, user=UserFactory(email=f"head@{domain}"))
    school = SchoolFactory(name="Brentside Primary School")
    head.schools.add(school)
    with scopes_disabled():
        PartnershipSchoolFactory(partnership=partnership, school=school, is_member=True)
    base, visited = live_server.url, []

    sign_in(page, base, broker.user)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Catalogue").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Create a catalogue").click()
    page.get_by_label("Academic year").fill("2026-27")
    page.get_by_label("Title").fill("School improvement support services 2026/27")
    page.get_by_label("Until the service starts").check()
    page.get_by_label("Twice a year: 1 September and 1 April").check()
    page.get_by_role("button", name="Create the catalogue").click()
    assert "created as a draft" in page.locator(".govuk-notification-banner").inner_text()
    check_accessibility(page, visited)

    page.get_by_role("button", name="Add a service").click()
    page.get_by_label("Name", exact=True).fill("Link partner")
    page.get_by_label("Link partner").check()
    page.get_by_label("Description").fill("The equivalent of one whole day, which may be taken as two half days.")
    page.get_by_label("Member schools of the partnership").check()
    page.get_by_label("Schools outside the partnership").check()
    page.get_by_label("Days included").fill("1")
    page.get_by_label("The days may be taken as half days").check()
    page.get_by_label("Member price", exact=True).fill("450")
    page.get_by_role("button", name="Add the service").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter the non-member price" in summary.inner_text()
    check_accessibility(page, visited)
    page.get_by_label("Non-member price (optional)").fill("560")
    page.get_by_role("button", name="Add the service").click()
    assert "Link partner is added" in page.locator(".govuk-notification-banner").inner_text()

    page.get_by_role("button", name="Publish the catalogue").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Publish the catalogue").click()
    assert "The catalogue is published" in page.locator(".govuk-notification-banner").inner_text()
    check_accessibility(page, visited)

    page.context.clear_cookies()
    sign_in(page, base, head.user)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Catalogue").click()
    page.get_by_role("link", name="School improvement support services 2026/27").click()
    price = page.locator(".your-price").inner_text()
    assert "£450.00" in price and "Your school is a member of the partnership." in price
    check_accessibility(page, visited)
    assert len(visited) == 6
