"""System leaders, clusters, specialisms, own profiles and school-data imports in a browser, with axe-core."""

from __future__ import annotations

import pytest
from django.conf import settings
from django_scopes import scopes_disabled

from alliances.importers import run_import
from alliances.models import LocalAuthority, School, SystemLeader
from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import PartnershipFactory, SystemLeaderFactory, UserFactory, default_specialisms, make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings):
    settings.MFA_EXEMPT_DEMO_USERS = True  # these journeys are about the directory; MFA has its own journey
    run_import(settings.SHARED_DATA_DIR / "east_and_ealing" / "dfe_school_spine_2017_18.csv")
    partnership = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
    people = {role: make_member(partnership, role, mfa=False,
                                user=UserFactory(email=f"{role.value}@{settings.DEMO_EMAIL_DOMAIN}"))
              for role in (Role.BROKER, Role.LA_OFFICER, Role.SYSTEM_LEADER)}
    people[Role.LA_OFFICER].local_authorities.add(LocalAuthority.objects.get(code="873"))
    default_specialisms(partnership)
    # Histon comes from the imported school data; no capacity or release consent recorded yet.
    leader = SystemLeaderFactory(partnership=partnership, name="Priya Patel", email="priya@histon.example.org",
                                 home_school=School.objects.get(urn="139087"), capacity_days_per_term=0,
                                 release_consent_by="", release_consent_on=None, user=people[Role.SYSTEM_LEADER].user)
    return partnership, people, leader


def test_a_broker_manages_leaders_clusters_and_specialisms(page, live_server, world):
    partnership, people, leader = world
    base, visited = live_server.url, []
    sign_in(page, base, people[Role.BROKER].user)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="System leaders").click()
    check_accessibility(page, visited)
    page.get_by_role("link", name="Priya Patel").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Change Priya Patel").click()
    page.get_by_label("Designation review due").fill("1/1/2020")
    page.get_by_role("button", name="Save").click()
    assert "The review date must be on or after the designation date" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, visited)
    page.get_by_label("Designation review due").fill("1/9/2028")
    page.get_by_label("Local leader of education").check()
    page.get_by_label("Mathematics").check()
    page.get_by_role("button", name="Save").click()
    assert "Saved Priya Patel." in page.locator("main").inner_text()
    assert "Local leader of education" in page.locator("main").inner_text()

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Clusters").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Add a cluster").click()
    page.get_by_label("Name", exact=True).fill("Histon villages")
    page.get_by_label("Triad").check()
    page.get_by_label("Academic year").fill("2026-2027")
    page.get_by_label("Member schools").fill("139087\n136580\n136463")
    page.get_by_role("button", name="Save").click()
    assert "like 2026-27" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, visited)
    page.get_by_label("Academic year").fill("2026-27")
    page.get_by_role("button", name="Save").click()
    assert "Member schools (3)" in page.locator("main").inner_text()
    check_accessibility(page, visited)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Term dates").click()
    check_accessibility(page, visited)
    page.get_by_label("Term dates file (CSV)").set_input_files(
        str(settings.SHARED_DATA_DIR / "calendar" / "term_dates_cambridgeshire_suffolk.csv"))
    page.get_by_role("button", name="Import").click()
    assert "more than one local authority" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, visited)
    page.get_by_label("Term dates file (CSV)").set_input_files(
        str(settings.SHARED_DATA_DIR / "calendar" / "term_dates_cambridgeshire_suffolk.csv"))
    page.get_by_label("Local authority code (optional)").fill("873")
    page.get_by_role("button", name="Import").click()
    assert "Term dates saved for 2019-20, 2020-21, 2026-27" in page.locator("main").inner_text()
    check_accessibility(page, visited)

    page.goto(f"{base}/p/cambridgeshire/specialisms/")
    check_accessibility(page, visited)
    page.get_by_label("Name", exact=True).fill("Oracy")
    page.get_by_role("button", name="Add", exact=True).click()
    assert "Added Oracy." in page.locator("main").inner_text()
    page.get_by_role("link", name="Delete Mathematics").click()
    assert page.locator("h1").inner_text() == "Delete the specialism Mathematics?"
    check_accessibility(page, visited)
    page.get_by_role("button", name="Delete specialism").click()
    assert "cannot be deleted. Retire it instead" in page.locator("main").inner_text()
    check_accessibility(page, visited)


def test_a_system_leader_updates_their_profile_and_an_la_officer_reads_without_contacts(page, live_server, world):
    partnership, people, leader = world
    base, visited = live_server.url, []
    sign_in(page, base, people[Role.SYSTEM_LEADER].user)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My profile").click()
    check_accessibility(page, visited)
    page.get_by_label("Days you can give each term").fill("4.5")
    page.get_by_role("group", name="Phases you work in").get_by_label("Secondary").check()
    page.get_by_role("button", name="Save my profile").click()
    assert "Your profile is saved." in page.locator("main").inner_text()
    check_accessibility(page, visited)
    with scopes_disabled():
        assert SystemLeader.objects.get(pk=leader.pk).phases == ["Primary", "Secondary"]

    page.context.clear_cookies()
    sign_in(page, base, people[Role.LA_OFFICER].user)
    page.goto(f"{base}/p/cambridgeshire/system-leaders/{leader.pk}/")
    assert "Priya Patel" in page.locator("h1").inner_text()
    assert "priya@histon.example.org" not in page.content()
    check_accessibility(page, visited)


def test_platform_staff_import_a_file_and_read_the_report(page, live_server, world, tmp_path):
    operator = UserFactory(is_staff=True, email=f"operator@{settings.DEMO_EMAIL_DOMAIN}")
    base, visited = live_server.url, []
    sign_in(page, base, operator)
    page.goto(f"{base}/platform/imports/")
    check_accessibility(page, visited)
    bad = tmp_path / "bad-spine.csv"
    lines = (settings.SHARED_DATA_DIR / "east_and_ealing" / "dfe_school_spine_2017_18.csv").read_text().splitlines()[:3]
    bad.write_text("\n".join([lines[0], "12345" + lines[1][6:], lines[2]]))
    page.get_by_label("School data file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and import").click()
    assert "nothing was imported because 1 row has problems" in page.locator("main").inner_text()
    assert "URN must be 6 digits" in page.locator("tbody").inner_text()
    check_accessibility(page, visited)
