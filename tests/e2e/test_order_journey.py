"""Ordering a package in a real browser: a head chooses it, checks the answers, must accept its terms, sends; a
broker confirms from the home page; the school page shows the days and the statement; the finance export
downloads. axe-core runs on every page visited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from portal.tenancy.roles import Role
from programmes.models import ServiceKind
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import (
    CatalogueFactory,
    PartnershipFactory,
    PartnershipSchoolFactory,
    SchoolFactory,
    ServiceFactory,
    UserFactory,
    make_member,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _shop(settings):
    domain = settings.DEMO_EMAIL_DOMAIN
    with scopes_disabled():
        partnership = PartnershipFactory(name="Ealing Learning Partnership", slug="ealing")
        school = SchoolFactory(urn="101927", name="Berrymede Junior School", laestab="3072000")
        PartnershipSchoolFactory(partnership=partnership, school=school, is_member=True)
        people = {role: make_member(partnership, role, mfa=False, user=UserFactory(email=f"{role}@{domain}"))
                  for role in (Role.HEADTEACHER, Role.BROKER)}
        people[Role.HEADTEACHER].schools.add(school)
        catalogue = CatalogueFactory(partnership=partnership, academic_year="2026-27",
                                     title="School improvement services 2026-27", created_by=people[Role.BROKER].user)
        ServiceFactory(partnership=partnership, catalogue=catalogue, name="Two-day package", kind=ServiceKind.PACKAGE,
                       days=Decimal("2.0"), member_price=Decimal("900.00"), created_by=people[Role.BROKER].user,
                       terms="Days are used by 31 August; unused days do not carry over.")
    return partnership, people


def test_a_head_orders_a_package_and_the_statement_and_export_show_it(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership, people = _shop(settings)
    base, visited = live_server.url, []
    main = page.locator("main")

    sign_in(page, base, people[Role.HEADTEACHER].user)
    page.goto(f"{base}/p/{partnership.slug}/orders/")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Order services").click()
    check_accessibility(page, visited)
    page.get_by_label("School improvement services 2026-27").check()
    page.get_by_role("button", name="Continue").click()
    check_accessibility(page, visited)
    assert "Your school is a member of the partnership." in main.inner_text()
    page.get_by_label("How many of Two-day package?").fill("1")
    page.get_by_label("No, stop at the days we have bought").check()
    page.get_by_role("button", name="Continue to check your answers").click()
    check_accessibility(page, visited)
    assert "Days are used by 31 August" in main.inner_text()
    page.get_by_role("button", name="Accept and send the order").click()
    assert "Accept the terms of Two-day package to send the order" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, visited)
    page.get_by_label("I accept the terms of Two-day package on behalf of the school").check()
    page.get_by_role("button", name="Accept and send the order").click()
    assert "is sent" in page.locator(".govuk-notification-banner").inner_text()
    check_accessibility(page, visited)

    page.context.clear_cookies()
    sign_in(page, base, people[Role.BROKER].user)
    assert "Orders to confirm (1)" in main.inner_text()
    check_accessibility(page, visited)
    page.get_by_role("link", name="Berrymede Junior School").first.click()
    page.get_by_role("button", name="Confirm the order").click()
    assert "is confirmed" in page.locator(".govuk-notification-banner").inner_text()
    check_accessibility(page, visited)
    page.locator("main dl").get_by_role("link", name="Berrymede Junior School").click()
    text = main.inner_text()
    assert "2 days" in text and "£900.00" in page.locator("#statement-total").inner_text()
    check_accessibility(page, visited)

    page.get_by_role("link", name="Finance").first.click()
    check_accessibility(page, visited)
    assert page.locator("#finance-total").inner_text() == "£900.00"
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    content = open(download.value.path(), encoding="utf-8-sig").read().splitlines()
    assert content[0].startswith("partnership,financial_year,invoice_date,school_urn,laestab")
    assert len(content) == 2 and "101927" in content[1] and "900.00" in content[1]
