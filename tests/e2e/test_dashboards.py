"""Dashboards in the browser: an LA officer drills from their LA to a cluster, a school and a deployment and
downloads a table as CSV and as Excel; a broker sees the whole partnership. axe-core runs on every page.

The data is the hand-computed world of tests/factories/worlds.py.
"""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import PartnershipFactory, UserFactory, make_member
from tests.factories.worlds import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _table(page, key: str) -> list[list[str]]:
    section = page.locator(f"section:has(#table-{key})")
    return [[cell.strip() for cell in row.locator("th, td").all_inner_texts()]
            for row in section.locator("table tbody tr").all()]


def _download(page, key: str, label: str) -> bytes:
    section = page.locator(f"section:has(#table-{key})")
    with page.expect_download() as info:
        section.get_by_role("link", name=label).click()
    return open(info.value.path(), "rb").read()


@pytest.fixture
def people(settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    domain = settings.DEMO_EMAIL_DOMAIN
    partnership = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
    broker = make_member(partnership, Role.BROKER, mfa=False, user=UserFactory(email=f"broker@{domain}"))
    officer = make_member(partnership, Role.LA_OFFICER, mfa=False, user=UserFactory(email=f"la-officer@{domain}"))
    world = build_world(partnership, broker, officer)
    officer.local_authorities.add("873")
    return world


def test_an_la_officer_drills_down_and_downloads_both_formats(page, live_server, people):
    world = people
    visited: list[str] = []
    base = live_server.url
    sign_in(page, base, world.officer.user)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboards").click()
    assert page.locator("h1").inner_text() == "Dashboards"
    check_accessibility(page, visited)

    page.get_by_text("Filter the dashboards").click()
    page.get_by_label("Academic year", exact=True).select_option("2026-27")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"year=2026-27"))
    assert _table(page, "breakdown") == [["Cambridgeshire", "1", "3", "1", "1", "6", "4", "0", "7.5"]]
    text = page.locator("main").inner_text()
    for outside in ("Ealing", "Peterborough", "East Acton", "Old Fletton"):
        assert outside not in text
    assert "30 (the sum of the scores) ÷ 4 scores = 7.5" in text
    check_accessibility(page, visited)

    # Both exports of one table, opened and compared with the page.
    on_page = _table(page, "requests")
    rows = list(csv.reader(io.StringIO(_download(page, "requests", "CSV of the table Requests by need area and status")
                                       .decode("utf-8-sig"))))
    assert rows[0][0] == "Need area" and rows[1:] == on_page
    sheet = openpyxl.load_workbook(io.BytesIO(_download(page, "requests", "Excel of the table Requests by need area and status"))).active
    assert [[str(cell.value) for cell in row] for row in sheet.iter_rows(min_row=2)] == on_page

    page.locator("section:has(#table-breakdown)").get_by_role("link", name="Cambridgeshire").click()
    page.wait_for_url(re.compile(r"la=873$"))
    assert [row[0] for row in _table(page, "breakdown")] == ["North", "South"]
    check_accessibility(page, visited)
    page.locator("section:has(#table-breakdown)").get_by_role("link", name="South").click()
    page.wait_for_url(re.compile(r"cluster=\d+$"))
    assert [row[0] for row in _table(page, "breakdown")] == ["Bassingbourn Primary School", "Comberton Village College"]
    check_accessibility(page, visited)
    page.locator("section:has(#table-breakdown)").get_by_role("link", name="Bassingbourn Primary School").click()
    page.wait_for_url(re.compile(r"school=110602$"))
    expect(page.get_by_role("heading", name="Deployments at Bassingbourn Primary School")).to_be_visible()
    check_accessibility(page, visited)
    page.get_by_role("link", name=f"D{world.deployments['D1'].pk:05d}").click()
    page.wait_for_url(re.compile(r"/dashboards/deployments/\d+/$"))
    assert page.locator("h1").inner_text() == f"Deployment D{world.deployments['D1'].pk:05d}"
    detail = page.locator("main").inner_text()
    assert "Maths objective" in detail and "Private" not in detail and "leaders.example.org" not in detail
    check_accessibility(page, visited)

    # A school outside their LAs is refused with a clear message, not shown.
    page.goto(f"{base}/p/{world.partnership.slug}/dashboards/?year=2026-27&school=101868")
    assert "There is no school with this URN in the local authorities you can see" in page.locator(
        ".govuk-error-summary").inner_text()
    check_accessibility(page, visited)
    assert len(visited) == 7


def test_a_broker_sees_the_whole_partnership_and_the_work_queue(page, live_server, people):
    world = people
    visited: list[str] = []
    base = live_server.url
    sign_in(page, base, world.broker.user)
    check_accessibility(page, visited)  # the broker's home: the work queue
    page.goto(f"{base}/p/{world.partnership.slug}/dashboards/?year=2026-27")
    assert [row[0] for row in _table(page, "breakdown")] == ["Cambridgeshire", "Ealing", "Peterborough"]
    assert _table(page, "capacity")[0] == ["Behaviour", "0", "0", "0", "0", "3", "0", "0"]
    check_accessibility(page, visited)
    page.get_by_text("Filter the dashboards").click()
    page.get_by_label("Term", exact=True).select_option("autumn")
    page.get_by_label("Designation", exact=True).select_option("NLE")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"term=autumn"))
    assert page.locator("h1").inner_text() == "Dashboards"
    assert "Autumn term 2026-27" in page.locator(".govuk-caption-l").inner_text()
    check_accessibility(page, visited)


@pytest.mark.parametrize("role", [Role.APPROVER, Role.ADMIN])
def test_approvers_and_admins_see_the_partnership_dashboards_too(page, live_server, people, settings, role):
    world = people
    member = make_member(world.partnership, role, mfa=False, user=UserFactory(email=f"{role}@{settings.DEMO_EMAIL_DOMAIN}"))
    visited: list[str] = []
    sign_in(page, live_server.url, member.user)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboards").click()
    page.wait_for_url(re.compile(r"/dashboards/$"))
    page.get_by_text("Filter the dashboards").click()
    page.get_by_label("Academic year", exact=True).select_option("2026-27")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"year=2026-27"))
    assert [row[0] for row in _table(page, "breakdown")] == ["Cambridgeshire", "Ealing", "Peterborough"]
    check_accessibility(page, visited)
    page.goto(f"{live_server.url}/p/{world.partnership.slug}/dashboards/?year=2026-27&la=873&school=110602")
    rows = list(csv.reader(io.StringIO(_download(page, "school-deployments", "CSV of the deployments at Bassingbourn "
                                                 "Primary School").decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [f"D{world.deployments[k].pk:05d}" for k in ("D1", "D2")]
    check_accessibility(page, visited)
