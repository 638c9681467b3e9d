"""Issue 14's whole journey in one browser run, from a nomination to a certificate.

A head nominates two members of staff for a cohort of one place; the broker accepts both, so the second joins the
waitlist; the first withdraws and the second (who has a participant account) is offered the place and takes it.
The cohort then runs (its sessions move into the past, as time would): the facilitator takes the last register on a
phone-sized screen, the participant returns the evaluation and opens the certificate, which prints without the
portal around it. axe-core runs on every page visited.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from portal.tenancy.roles import Role
from programmes.models import Cohort, Evaluation, Place, PlaceStatus, Session
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import (
    PartnershipFactory,
    PartnershipSchoolFactory,
    SchoolFactory,
    SystemLeaderFactory,
    UserFactory,
    make_member,
)
from tests.factories.delivery import dl_cohort, dl_marks, dl_programme

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _world(settings):
    domain = settings.DEMO_EMAIL_DOMAIN
    today = timezone.localdate()
    with scopes_disabled():
        partnership = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
        school = SchoolFactory(urn="139087", name="Histon and Impington Junior School")
        PartnershipSchoolFactory(partnership=partnership, school=school, is_member=True)
        people = {role: make_member(partnership, role, mfa=False, user=UserFactory(email=f"{role}@{domain}"))
                  for role in (Role.HEADTEACHER, Role.BROKER, Role.SYSTEM_LEADER, Role.PARTICIPANT)}
        people[Role.HEADTEACHER].schools.add(school)
        leader = SystemLeaderFactory(partnership=partnership, name="Amy Best", home_school=school,
                                     user=people[Role.SYSTEM_LEADER].user, email=f"amy@{domain}")
        programme = dl_programme(partnership, created_by=people[Role.BROKER].user,
                                 title="Pastoral leadership programme")
        cohort = dl_cohort(programme, created_by=people[Role.BROKER].user, first=today + timedelta(days=30),
                           sessions=3, places=1, facilitators=[leader], name="Spring cohort")
        Cohort.objects.filter(pk=cohort.pk).update(applications_open=today - timedelta(days=1),
                                                   applications_close=today + timedelta(days=20))
    return partnership, people, cohort


def _as(page, base, member):
    page.context.clear_cookies()
    sign_in(page, base, member.user)


def test_from_nomination_through_the_waitlist_to_a_certificate(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership, people, cohort = _world(settings)
    base, visited, slug = live_server.url, [], partnership.slug
    banner, main = page.locator(".govuk-notification-banner"), page.locator("main")
    participant = people[Role.PARTICIPANT].user

    # The head nominates two people for the one place, from the cohort's own page.
    _as(page, base, people[Role.HEADTEACHER])
    for name, email in (("Ana Lopez", "ana@histon.example.org"), ("Pat Participant", participant.email)):
        page.goto(f"{base}/p/{slug}/cohorts/{cohort.pk}/")
        expect(page.locator("#places-taken")).to_be_visible()
        check_accessibility(page, visited)
        page.get_by_role("link", name="Nominate a member of staff for Spring cohort").click()
        expect(page.locator("h1")).to_have_text("Nominate a member of staff")
        check_accessibility(page, visited)
        page.get_by_label("Full name").fill(name)
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Role in school").fill("Head of year")
        page.get_by_role("button", name="Nominate").click()
        expect(banner).to_contain_text(f"{name} is nominated")

    # The broker accepts both: Ana takes the place, Pat joins the waitlist.
    _as(page, base, people[Role.BROKER])
    page.goto(f"{base}/p/{slug}/programmes/cohorts/{cohort.pk}/places/")
    page.get_by_role("button", name="Accept Ana Lopez").click()
    expect(banner).to_contain_text("Ana Lopez has a place")
    page.get_by_role("button", name="Accept Pat Participant").click()
    expect(banner).to_contain_text("Pat Participant is number 1 on the waitlist")
    check_accessibility(page, visited)

    # The head withdraws Ana before the cohort starts; the freed place is offered to Pat at once.
    _as(page, base, people[Role.HEADTEACHER])
    page.goto(f"{base}/p/{slug}/programmes/places/staff/")
    page.get_by_role("link", name="Ana Lopez").click()
    page.get_by_role("link", name="Withdraw the place").click()
    expect(page.locator("h1")).to_have_text("Withdraw Ana Lopez's place?")
    page.get_by_label("Why is it withdrawn?").fill("Ana has a new role this term")
    page.get_by_role("button", name="Withdraw the place").click()
    expect(banner).to_contain_text("Ana Lopez's place is withdrawn")

    # Pat takes the offered place from their own participant account.
    _as(page, base, people[Role.PARTICIPANT])
    page.get_by_role("link", name="Pastoral leadership programme, Spring cohort").click()
    expect(page.locator(".govuk-inset-text")).to_contain_text("A place is offered")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Take the place").click()
    expect(banner).to_contain_text("Pat Participant has taken the place")
    with scopes_disabled():
        pat = Place.objects.get(cohort=cohort, name="Pat Participant")
        assert pat.status == PlaceStatus.ACCEPTED and pat.user_id == participant.pk
        assert Cohort.objects.get(pk=cohort.pk).taken == 1
        # The cohort runs: its sessions move into the past, the first two registered already.
        today = timezone.localdate()
        sessions = list(Session.objects.filter(cohort=cohort).order_by("date", "pk"))
        for days_ago, session in zip((15, 8, 1), sessions, strict=True):
            Session.objects.filter(pk=session.pk).update(date=today - timedelta(days=days_ago))
        Cohort.objects.filter(pk=cohort.pk).update(starts_on=today - timedelta(days=15),
                                                   ends_on=today - timedelta(days=1))
        for session in sessions[:2]:
            dl_marks(Session.objects.get(pk=session.pk), [pat], recorded_by=people[Role.SYSTEM_LEADER].user)

    # The facilitator takes the last register on a phone.
    page.set_viewport_size({"width": 375, "height": 667})
    _as(page, base, people[Role.SYSTEM_LEADER])
    page.get_by_role("link", name="Take the register: Session 3").click()
    expect(page.get_by_role("heading", name="Register: Session 3")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    check_accessibility(page, visited)
    page.get_by_role("group", name="Pat Participant").get_by_label("Late").check()
    page.get_by_role("button", name="Save the register").click()
    expect(main).to_contain_text("Register saved for Session 3")

    # Pat returns the evaluation and opens the certificate.
    _as(page, base, people[Role.PARTICIPANT])
    page.get_by_role("link", name="Evaluate Spring cohort").click()
    page.get_by_label("What has changed in your practice?").fill("I lead our pastoral team's weekly case reviews.")
    page.get_by_label("8: A strong change in practice, with evidence of benefit").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check your evaluation before sending it")).to_be_visible()
    page.get_by_role("button", name="Send the evaluation").click()
    expect(page.get_by_role("heading", name="Evaluation returned")).to_be_visible()
    check_accessibility(page, visited)
    page.get_by_role("link", name="Open your certificate of completion").click()
    expect(page.get_by_role("heading", name="Certificate of completion")).to_be_visible()
    expect(main).to_contain_text("Pat Participant")
    expect(main).to_contain_text("3 of 3 sessions")
    check_accessibility(page, visited)
    page.emulate_media(media="print")
    expect(page.locator(".govuk-header")).to_be_hidden()
    expect(page.get_by_role("heading", name="Certificate of completion")).to_be_visible()
    with scopes_disabled():
        assert Evaluation.objects.get(place=pat).impact == 8
        assert Place.objects.get(pk=pat.pk).completed_at is not None
    assert re.search(r"/places/\d+/certificate/$", page.url)
