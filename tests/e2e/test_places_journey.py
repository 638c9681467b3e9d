"""Places on a programme in a real browser: a head nominates two members of staff for a cohort of one place, the
broker accepts both (the second joins the waitlist), the first withdraws from their participant account, the
second is offered the freed place and their head takes it. axe-core runs on every page visited."""

from __future__ import annotations

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from portal.tenancy.roles import Role
from programmes.models import Place, PlaceStatus
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import PartnershipFactory, PartnershipSchoolFactory, SchoolFactory, UserFactory, make_member
from tests.factories.places import make_cohort, make_programme

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _world(settings):
    domain = settings.DEMO_EMAIL_DOMAIN
    with scopes_disabled():
        partnership = PartnershipFactory(name="Ealing Learning Partnership", slug="ealing")
        school = SchoolFactory(urn="101927", name="Berrymede Junior School", laestab="3072000")
        PartnershipSchoolFactory(partnership=partnership, school=school, is_member=True)
        people = {role: make_member(partnership, role, mfa=False, user=UserFactory(email=f"{role}@{domain}"))
                  for role in (Role.HEADTEACHER, Role.BROKER, Role.PARTICIPANT)}
        people[Role.HEADTEACHER].schools.add(school)
        programme = make_programme(partnership, title="Middle leaders' programme",
                                   created_by=people[Role.BROKER].user)
        cohort = make_cohort(partnership, programme=programme, places=1, name="Autumn cohort",
                             created_by=people[Role.BROKER].user)
    return partnership, people, cohort


def test_nominate_accept_waitlist_withdraw_and_the_offer_taken(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership, people, cohort = _world(settings)
    base, visited, slug = live_server.url, [], partnership.slug
    banner = page.locator(".govuk-notification-banner")
    first_email = people[Role.PARTICIPANT].user.email

    sign_in(page, base, people[Role.HEADTEACHER].user)
    for name, email in (("Ana Lopez", first_email), ("Ben Okafor", "ben@berrymede.example.org")):
        page.goto(f"{base}/p/{slug}/programmes/places/staff/")
        expect(page.locator("h1")).to_have_text("Your staff on programmes")
        check_accessibility(page, visited)
        page.get_by_role("link", name=re.compile("Nominate a member of staff for Middle leaders")).click()
        expect(page.locator("h1")).to_have_text("Nominate a member of staff")
        check_accessibility(page, visited)
        page.get_by_label("Full name").fill(name)
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Role in school").fill("Maths lead")
        page.get_by_role("button", name="Nominate").click()
        expect(banner).to_contain_text(f"{name} is nominated")

    page.context.clear_cookies()
    sign_in(page, base, people[Role.BROKER].user)
    expect(page.locator("main")).to_contain_text("Places waiting for a decision (2)")
    check_accessibility(page, visited)
    page.goto(f"{base}/p/{slug}/programmes/cohorts/{cohort.pk}/places/")
    expect(page.locator("h1")).to_have_text("Places on Autumn cohort")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Accept Ana Lopez").click()
    expect(banner).to_contain_text("Ana Lopez has a place")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Accept Ben Okafor").click()
    expect(banner).to_contain_text("Ben Okafor is number 1 on the waitlist")
    expect(page.locator("#waitlist")).to_have_text("Waitlist, in order (1)")

    page.context.clear_cookies()
    sign_in(page, base, people[Role.PARTICIPANT].user)
    expect(page.locator("main")).to_contain_text("Your programmes (1)")
    check_accessibility(page, visited)
    page.get_by_role("link", name="Middle leaders' programme, Autumn cohort").click()
    expect(page.locator("h1")).to_have_text("Ana Lopez")
    check_accessibility(page, visited)
    page.get_by_role("link", name="Withdraw the place").click()
    expect(page.locator("h1")).to_have_text("Withdraw Ana Lopez's place?")
    check_accessibility(page, visited)
    page.get_by_label("Why is it withdrawn?").fill("I have moved school")
    page.get_by_role("button", name="Withdraw the place").click()
    expect(banner).to_contain_text("Ana Lopez's place is withdrawn")

    page.context.clear_cookies()
    sign_in(page, base, people[Role.HEADTEACHER].user)
    page.goto(f"{base}/p/{slug}/programmes/places/staff/")
    page.get_by_role("link", name="Ben Okafor").click()
    expect(page.locator(".govuk-inset-text")).to_contain_text("A place is offered")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Take the place").click()
    expect(banner).to_contain_text("Ben Okafor has taken the place")
    check_accessibility(page, visited)
    with scopes_disabled():
        assert Place.objects.get(name="Ben Okafor").status == PlaceStatus.ACCEPTED
