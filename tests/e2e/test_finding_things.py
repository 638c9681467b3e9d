"""Finding things in the browser: a broker searches the requests by a school's name (and a bad filter is
explained), an LA officer's home shows their figures and what changed, and a headteacher's notification badge
drops when they confirm the agreement it asked for. axe-core runs on every page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from alliances.models import Phase
from deployments import processes
from deployments.brokerage import offers
from deployments.models import Offer
from portal.tenancy.roles import Role
from tests.deployments.conftest import Brokerage, make_leader, propose, triaged_request
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import (
    LocalAuthorityFactory,
    PartnershipFactory,
    SchoolFactory,
    SupportRequestFactory,
    UserFactory,
    default_specialisms,
    make_member,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def approved(settings) -> Brokerage:
    """Histon's maths request matched to Amy Best and approved, waiting for both sides to confirm; Bewick Bridge
    has asked for support too."""
    settings.MFA_EXEMPT_DEMO_USERS = True
    domain = settings.DEMO_EMAIL_DOMAIN
    cambs = LocalAuthorityFactory(code="873", name="Cambridgeshire")
    partnership = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
    head = make_member(partnership, Role.HEADTEACHER, user=UserFactory(email=f"headteacher@{domain}"))
    head.schools.add(SchoolFactory(urn="139087", name="Histon and Impington Junior School", la=cambs,
                                   phase=Phase.PRIMARY, easting=544_900, northing=262_500))
    broker = make_member(partnership, Role.BROKER, mfa=False, user=UserFactory(email=f"broker@{domain}"))
    officer = make_member(partnership, Role.LA_OFFICER, mfa=False, user=UserFactory(email=f"la-officer@{domain}"))
    officer.local_authorities.add(cambs)
    approver = make_member(partnership, Role.APPROVER, mfa=False)
    leader_member = make_member(partnership, Role.SYSTEM_LEADER)
    spec = default_specialisms(partnership)
    home = SchoolFactory(urn="110750", name="St Matthew's Primary School", la=cambs, easting=546_000, northing=258_000)
    with scopes_disabled():
        leader = make_leader(partnership, "Amy Best", home, user=leader_member.user, specialisms=["Mathematics"],
                             spec=spec)
        SupportRequestFactory(partnership=partnership, needs=[spec["Science"]],
                              school=SchoolFactory(urn="110640", name="Bewick Bridge Community Primary School", la=cambs))
    request = triaged_request(head, broker, spec, start=timezone.localdate() + timedelta(days=7))
    b = Brokerage(partnership, head, broker, approver, leader_member, leader_member, leader, leader, request, spec)
    with scope(partnership=partnership):
        [offer] = offers.make_offers(actor=broker, request=request, leaders=[leader])
        processes.accept_offer(actor=leader_member, offer=Offer.objects.get(pk=offer.pk))
        deployment = propose(b)
        processes.decide_deployment(actor=approver, deployment=deployment, approve=True, rationale="Good fit.")
    b.deployment = deployment
    b.officer = officer
    return b


def _badge(page) -> int:
    label = page.get_by_role("navigation", name="Menu").get_by_role("link", name=re.compile("^Notifications"))
    found = re.search(r"\((\d+) unread\)", label.inner_text())
    return int(found.group(1)) if found else 0


def test_a_broker_finds_a_request_by_school_name(page, live_server, approved):
    visited: list[str] = []
    base = live_server.url
    sign_in(page, base, approved.broker.user)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Requests").click()
    assert page.locator("h1").inner_text() == "Support requests"
    check_accessibility(page, visited)
    page.get_by_label("School, person or reference").fill("Bewick")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]q=Bewick"))
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    assert "Bewick Bridge Community Primary School" in rows.first.inner_text()
    assert page.get_by_label("School, person or reference").input_value() == "Bewick"  # the filter stays
    check_accessibility(page, visited)
    page.get_by_label("Status").select_option(label="Closed: withdrawn")
    page.get_by_role("button", name="Apply filters").click()
    assert "No requests match these filters" in page.locator("main").inner_text()
    page.goto(f"{base}/p/cambridgeshire/requests/?status=abc&q=Bewick")
    assert page.title().startswith("Error: ")
    assert "Choose one of the options in the list" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator("table").count() == 0
    check_accessibility(page, visited)


def test_an_la_officer_sees_their_figures_and_what_changed(page, live_server, approved):
    visited: list[str] = []
    base = live_server.url
    sign_in(page, base, approved.officer.user)
    main = page.locator("main").inner_text()
    assert "Your local authorities" in main and "For schools in Cambridgeshire." in main
    assert "In the last two weeks" in main
    check_accessibility(page, visited)


def test_a_headteachers_badge_drops_when_they_confirm_the_agreement(page, live_server, approved):
    visited: list[str] = []
    base = live_server.url
    sign_in(page, base, approved.head.user)
    before = _badge(page)
    assert before >= 1
    check_accessibility(page, visited)
    page.goto(f"{base}/p/cambridgeshire/deployments/{approved.deployment.pk}/")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Confirm the agreement").click()
    assert _badge(page) == before - 1
    check_accessibility(page, visited)


def test_a_platform_operators_home_links_to_their_work(page, live_server, settings, db):
    settings.MFA_EXEMPT_DEMO_USERS = True
    operator = UserFactory(is_staff=True, email=f"operator@{settings.DEMO_EMAIL_DOMAIN}")
    PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
    visited: list[str] = []
    base = live_server.url
    sign_in(page, base, operator)
    assert page.locator("h1").inner_text() == "Platform operations"
    assert "coordinator" not in page.locator("main").inner_text()
    check_accessibility(page, visited)
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    check_accessibility(page, visited, same_document=True)
    page.get_by_role("link", name="Import school data").click()
    assert page.url == f"{base}/platform/imports/"
