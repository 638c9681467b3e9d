"""Recruiting a specialist leader in a real browser: a broker writes a round, chooses its panel, publishes it and
invites a candidate; the candidate applies and sends it; their own head endorses it with release consent; two panel
members score it (each sees the other's scores only once both are in); one proposes to designate and the other
confirms (four-eyes); the broker ticks off an induction step for the new leader. axe-core runs on every page."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from alliances.models import SystemLeader
from leadership.models import Application, Criterion
from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import PartnershipFactory, SchoolFactory, SpecialismFactory, UserFactory, make_member
from tests.factories.leadership import make_induction_item

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _people(settings):
    domain = settings.DEMO_EMAIL_DOMAIN
    with scopes_disabled():
        partnership = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
        school = SchoolFactory(urn="110746", name="Bewick Bridge Community Primary School")
        SpecialismFactory(partnership=partnership, name="Mathematics")
        names = {Role.HEADTEACHER: "Hana Head", Role.BROKER: "Bea Broker", Role.APPROVER: "Alex Approver",
                 Role.CANDIDATE: "Cara Candidate"}
        people = {role: make_member(partnership, role, mfa=False,
                                    user=UserFactory(email=f"{role}@{domain}", name=name))
                  for role, name in names.items()}
        people[Role.HEADTEACHER].schools.add(school)
        make_induction_item(partnership, title="Induction day with the steering group")
    return partnership, people


def _as(page, base, member):
    page.context.clear_cookies()
    sign_in(page, base, member.user)
    expect(page.locator("h1")).to_contain_text("Welcome")


def _broker_opens_a_round(page, base, visited, people):
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Recruitment").click()
    expect(page.locator("h1")).to_have_text("Recruitment rounds")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Start a round").click()
    check_accessibility(page, visited)
    today = timezone.localdate()
    page.get_by_label("Specialist leader of education (SLE)").check()
    page.get_by_label("Title").fill("SLE recruitment")
    page.get_by_label("Opens on").fill(today.strftime("%d/%m/%Y"))
    page.get_by_label("Closes on").fill((today + timezone.timedelta(days=14)).strftime("%d/%m/%Y"))
    page.get_by_label("Criteria").fill("Impact on outcomes: with data\nSupporting other schools")
    page.get_by_label("Primary").check()
    page.get_by_role("button", name="Save the draft round").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("saved as a draft")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Choose the panel").click()
    page.get_by_label("Bea Broker (Broker)").check()
    page.get_by_label("Alex Approver (Approver)").check()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Save the panel").click()
    page.get_by_role("button", name="Publish the round").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is published")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Invite someone to apply").click()
    page.get_by_label("Full name").fill("Cara Candidate")
    page.get_by_label("Email address").fill(people[Role.CANDIDATE].user.email)
    page.get_by_label("Their school's URN (optional)").fill("110746")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is invited to apply")


def _candidate_applies(page, base, visited):
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Recruitment").click()
    page.get_by_role("link", name="SLE recruitment").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Start your application").click()
    expect(page.locator("h1")).to_have_text("Your application")
    page.get_by_label("Your current role").fill("Maths lead")
    page.get_by_label("Mathematics").check()
    page.get_by_label("Primary").check()
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(page.locator("#missing")).to_contain_text("Give your evidence")
    check_accessibility(page, visited)
    page.get_by_role("link", name="Change your answers").click()
    page.get_by_label("Your evidence: Impact on outcomes").fill("Raised KS2 maths from 61% to 78% in two years.")
    page.get_by_label("Your evidence: Supporting other schools").fill("Coached maths leads in three schools.")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Continue to check your answers").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Send the application").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your application is sent")
    check_accessibility(page, visited)


def _head_endorses(page, visited):
    page.locator("#recruitment-home").get_by_role("link", name="Cara Candidate: SLE recruitment").click()
    check_accessibility(page, visited)
    page.get_by_label("Yes, I endorse it").check()
    page.get_by_label("Your statement").fill("Cara is ready to support other schools.")
    page.get_by_role("button", name="Send your answer").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("agree to release")
    check_accessibility(page, visited)
    page.get_by_label("I agree to release them for deployments as a system leader").check()
    page.get_by_role("button", name="Send your answer").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("gone to the panel")
    check_accessibility(page, visited)


def _scores(page, visited, application, value):
    page.locator("#recruitment-home").get_by_role("link", name="Cara Candidate: SLE recruitment").click()
    page.get_by_role("button", name="Score the application").click()
    check_accessibility(page, visited)
    with scopes_disabled():
        criteria = list(Criterion.objects.filter(round_id=application.round_id).values_list("pk", flat=True))
    for pk in criteria:
        page.locator(f"input[name='score_{pk}'][value='{value}']").check()
    page.get_by_role("button", name="Save your scores").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your scores are saved")


def test_a_round_from_publishing_to_a_designated_leader_with_induction(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership, people = _people(settings)
    base, visited = live_server.url, []

    _as(page, base, people[Role.BROKER])
    _broker_opens_a_round(page, base, visited, people)
    _as(page, base, people[Role.CANDIDATE])
    _candidate_applies(page, base, visited)
    _as(page, base, people[Role.HEADTEACHER])
    _head_endorses(page, visited)
    with scopes_disabled():
        application = Application.objects.get()

    _as(page, base, people[Role.BROKER])
    _scores(page, visited, application, 3)
    expect(page.locator("#panel-progress")).to_contain_text("1 of 2 panel members")
    expect(page.locator("#scores")).to_have_count(0)  # the approver's are not in yet
    check_accessibility(page, visited)

    _as(page, base, people[Role.APPROVER])
    _scores(page, visited, application, 4)
    expect(page.locator("#scores tbody tr")).to_have_count(4)  # both members' scores, now all are in
    check_accessibility(page, visited)
    page.get_by_role("button", name="Make the decision").click()
    page.get_by_label("Designate").check()
    page.get_by_label("Rationale").fill("Strong, evidenced impact on both criteria.")
    page.get_by_label("Feedback for the candidate").fill("Congratulations: your coaching evidence stood out.")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Propose the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("a second panel member confirms it")
    expect(page.get_by_role("button", name="Confirm the decision")).to_have_count(0)  # not by the proposer
    check_accessibility(page, visited)

    _as(page, base, people[Role.BROKER])
    page.locator("#recruitment-home").get_by_role("link", name="Cara Candidate: SLE recruitment").click()
    page.get_by_role("button", name="Confirm the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("decision is confirmed")
    expect(page.locator("#status")).to_have_text("Designated")
    check_accessibility(page, visited)
    page.get_by_role("link", name="Induction checklist").click()
    expect(page.locator("#progress")).to_have_text("0 of 1 steps done.")
    check_accessibility(page, visited)
    page.get_by_role("button", name=re.compile(r"^Tick off\W+Induction day with the steering group$")).click()
    expect(page.locator("#progress")).to_have_text("1 of 1 steps done.")
    check_accessibility(page, visited)

    with scopes_disabled():
        leader = SystemLeader.objects.get(user=people[Role.CANDIDATE].user)
        assert leader.designation == "SLE" and leader.has_release_consent and leader.home_school_id == "110746"
    _as(page, base, people[Role.CANDIDATE])
    page.locator("#recruitment-home").get_by_role("link", name="SLE recruitment").click()
    expect(page.locator("main")).to_contain_text("your coaching evidence stood out")
    expect(page.locator("main")).not_to_contain_text("Strong, evidenced impact")
    expect(page.locator("#scores")).to_have_count(0)
    check_accessibility(page, visited)
    assert len(visited) >= 20
