"""Programme delivery in a browser: the facilitator takes a session's register on a phone-sized screen (375 x 667),
the participant returns their evaluation (checking their answers first), and the certificate opens and prints without
the portal's header and navigation. axe-core runs on every page visited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from portal.tenancy.roles import Role
from programmes.models import AttendanceMark, Evaluation, Place
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import PartnershipFactory, SchoolFactory, SystemLeaderFactory, UserFactory, make_member
from tests.factories.delivery import dl_cohort, dl_marks, dl_place, dl_programme, dl_sessions

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _cohort(settings):
    domain = settings.DEMO_EMAIL_DOMAIN
    today = timezone.localdate()
    with scopes_disabled():
        partnership = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
        school = SchoolFactory(urn="139087", name="Histon and Impington Junior School")
        people = {role: make_member(partnership, role, mfa=False, user=UserFactory(email=f"{role}@{domain}"))
                  for role in (Role.HEADTEACHER, Role.SYSTEM_LEADER, Role.PARTICIPANT)}
        people[Role.HEADTEACHER].schools.add(school)
        leader = SystemLeaderFactory(partnership=partnership, name="Amy Best", home_school=school,
                                     user=people[Role.SYSTEM_LEADER].user, email=f"amy@{domain}")
        programme = dl_programme(partnership, created_by=people[Role.HEADTEACHER].user,
                                 title="Pastoral leadership programme")
        cohort = dl_cohort(programme, created_by=people[Role.HEADTEACHER].user, first=today - timedelta(days=20),
                           sessions=3, facilitators=[leader], name="Autumn 2026 cohort")
        head = people[Role.HEADTEACHER].user
        places = [dl_place(cohort, school, nominated_by=head, user=people[Role.PARTICIPANT].user,
                           name="Pat Participant"),
                  dl_place(cohort, school, nominated_by=head, name="Alex Able")]
        sessions = dl_sessions(cohort)
        for session in sessions[:2]:
            dl_marks(session, places, recorded_by=people[Role.SYSTEM_LEADER].user)
    return partnership, people, places, sessions[-1]


def test_register_on_a_phone_then_evaluation_and_certificate(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership, people, (pat, alex), last = _cohort(settings)
    base, visited = live_server.url, []
    main = page.locator("main")
    page.set_viewport_size({"width": 375, "height": 667})

    # The facilitator finds the register on their home page and takes it on the phone.
    sign_in(page, base, people[Role.SYSTEM_LEADER].user)
    expect(page.get_by_role("heading", name="Registers to take")).to_be_visible()
    check_accessibility(page, visited)
    page.get_by_role("link", name="Take the register: Session 3").click()
    expect(page.get_by_role("heading", name="Register: Session 3")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    check_accessibility(page, visited)
    page.get_by_role("group", name="Pat Participant").get_by_label("Present").check()
    page.get_by_role("group", name="Alex Able").get_by_label("Absent").check()
    page.get_by_role("button", name="Save the register").click()
    expect(page).to_have_title(re.compile(r"^Error: Register: Session 3 – "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give the reason Alex Able was absent")
    check_accessibility(page, visited)
    page.get_by_label("Reason Alex Able was absent").fill("Covering a class")
    page.get_by_role("button", name="Save the register").click()
    expect(page.get_by_role("heading", name="Participants and attendance: Autumn 2026 cohort")).to_be_visible()
    expect(main).to_contain_text("Register saved for Session 3")
    check_accessibility(page, visited)
    with scopes_disabled():
        assert AttendanceMark.objects.filter(session=last).count() == 2

    # The participant returns the evaluation, checking the answers first.
    page.context.clear_cookies()
    sign_in(page, base, people[Role.PARTICIPANT].user)
    page.get_by_role("link", name="Evaluate Autumn 2026 cohort").click()
    expect(page.get_by_role("heading", name="Evaluate Autumn 2026 cohort")).to_be_visible()
    check_accessibility(page, visited)
    page.get_by_label("What has changed in your practice?").fill("I run restorative conversations with my team.")
    page.get_by_label("7: A clear change in practice, shared with colleagues").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check your evaluation before sending it")).to_be_visible()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Send the evaluation").click()
    expect(page.get_by_role("heading", name="Evaluation returned")).to_be_visible()
    check_accessibility(page, visited)
    with scopes_disabled():
        assert Evaluation.objects.get(place=pat).impact == 7
        assert Place.objects.get(pk=pat.pk).completed_at is not None

    # The certificate opens, and printing hides the portal around it.
    page.get_by_role("link", name="Open your certificate of completion").click()
    expect(page.get_by_role("heading", name="Certificate of completion")).to_be_visible()
    expect(main).to_contain_text("Pat Participant")
    expect(main).to_contain_text("3 of 3 sessions")
    check_accessibility(page, visited)
    header = page.locator(".govuk-header")
    expect(header).to_be_visible()
    page.emulate_media(media="print")
    expect(header).to_be_hidden()
    expect(page.locator(".govuk-footer")).to_be_hidden()
    expect(page.get_by_role("heading", name="Certificate of completion")).to_be_visible()
    assert alex.pk != pat.pk


def test_reports_and_participants_pages_pass_axe_and_the_register_fits_320px(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership, people, (pat, _), last = _cohort(settings)
    with scopes_disabled():
        broker = make_member(partnership, Role.BROKER, mfa=False,
                             user=UserFactory(email=f"broker@{settings.DEMO_EMAIL_DOMAIN}"))
        year = last.cohort.academic_year
    base, visited = live_server.url, []
    sign_in(page, base, broker.user)
    page.goto(f"{base}/p/{partnership.slug}/programme-reports/?year={year}")
    expect(page.get_by_role("heading", name="Programme reports")).to_be_visible()
    expect(page.locator("main")).to_contain_text("How these figures are made")
    check_accessibility(page, visited)
    page.goto(f"{base}/p/{partnership.slug}/cohorts/{last.cohort_id}/participants/")
    expect(page.get_by_role("heading", name="Participants and attendance: Autumn 2026 cohort")).to_be_visible()
    check_accessibility(page, visited)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{base}/p/{partnership.slug}/sessions/{last.pk}/register/")
    expect(page.get_by_role("group", name="Pat Participant")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    check_accessibility(page, visited)
    assert pat.user_id == people[Role.PARTICIPANT].user_id
