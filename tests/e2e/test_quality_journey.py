"""Quality assurance in the browser: a QA group's lead records an activity with ratings and an action, the leader
reads it (without the private notes) and marks the action done, the broker sees the leader flagged on their home
page, in the QA summary and in matching ("Designation review overdue"), and the approver records the designation
review's outcome. axe-core runs on every page visited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from alliances.models import SystemLeader
from deployments.requests import services
from leadership.models import QAGroup, QAGroupMember
from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_brokerage_journey import _people
from tests.e2e.test_directory import sign_in
from tests.factories import SchoolFactory, SystemLeaderFactory, UserFactory, make_member
from tests.leadership.quality.world import framework_rows

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _quality(settings):
    partnership, people, request = _people(settings)
    today = timezone.localdate()
    with scopes_disabled():
        lead_member = make_member(partnership, Role.SYSTEM_LEADER, mfa=False,
                                  user=UserFactory(email=f"nle@{settings.DEMO_EMAIL_DOMAIN}", name="Nia Lead"))
        lead = SystemLeaderFactory(partnership=partnership, name="Nia Lead", designation="NLE", user=lead_member.user,
                                   home_school=SchoolFactory(urn="136442", name="Linton Village College"))
        amy = SystemLeader.objects.get(user=people[Role.SYSTEM_LEADER].user)
        SystemLeader.objects.filter(pk=amy.pk).update(designated_on=today - timedelta(days=1500),
                                                      review_due=today - timedelta(days=3))
        group = QAGroup.objects.create(partnership=partnership, name="Cambridge NLE cluster", lead=lead)
        QAGroupMember.objects.create(partnership=partnership, group=group, leader=amy)
        framework_rows(partnership)
    with scope(partnership=partnership):
        services.triage_request(actor=people[Role.BROKER], request=request, eligible=True, support_level="targeted")
    people["lead"] = lead_member
    return partnership, people, request, amy


def test_qa_activity_summary_flags_matching_and_designation_review(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership, people, request, amy = _quality(settings)
    base, visited = live_server.url, []
    main = page.locator("main")
    today = timezone.localdate()

    def as_role(role):
        page.context.clear_cookies()
        sign_in(page, base, people[role].user)

    # The group's lead records a QA activity with ratings and an action.
    as_role("lead")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Quality assurance").click()
    expect(page.locator("h1")).to_have_text("Quality assurance")
    check_accessibility(page, visited)
    page.get_by_role("link", name="Record a QA activity for Amy Best").click()
    expect(page.locator("h1")).to_have_text("Record a QA activity")
    check_accessibility(page, visited)
    page.get_by_label("Action 1 (optional)").fill("Share the moderation plan with the head")
    page.get_by_role("button", name="Record the activity").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose what kind of activity it was")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date action 1 is due by")
    check_accessibility(page, visited)
    page.get_by_label("A conversation").check()
    page.get_by_role("group", name="Diagnosing need").get_by_label("Secure").check()
    page.get_by_role("group", name="Evaluating impact").get_by_label("Developing").check()
    page.get_by_label("Notes for the system leader (optional)").fill("Clear diagnosis; impact evidence is thin.")
    page.get_by_label("Private notes (optional)").fill("Seems stretched this term.")
    page.get_by_label("Action 1 due by").fill((today + timedelta(days=14)).strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Record the activity").click()
    expect(page.locator("h1")).to_contain_text("A conversation")
    expect(main).to_contain_text("Seems stretched this term.")
    rows = page.locator("table").first.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Secure")
    check_accessibility(page, visited)

    # The leader reads it, without the private notes, and marks the action done.
    as_role(Role.SYSTEM_LEADER)
    page.goto(f"{base}/p/{partnership.slug}/leadership/quality/mine/")
    expect(page.locator("h1")).to_contain_text("Quality assurance summary")
    expect(main).to_contain_text("Share the moderation plan with the head")
    expect(main).not_to_contain_text("Seems stretched")
    check_accessibility(page, visited)
    page.get_by_role("link", name="Share the moderation plan with the head").click()
    expect(main).not_to_contain_text("Seems stretched")
    page.get_by_role("button", name="Mark done").click()
    expect(main).to_contain_text("is marked done")
    check_accessibility(page, visited)

    # The broker sees Amy flagged on their home page, in her QA summary and in matching.
    as_role(Role.BROKER)
    expect(page.get_by_role("heading", name="Leaders needing attention (1)")).to_be_visible()
    check_accessibility(page, visited)
    page.get_by_role("link", name="Amy Best").first.click()
    expect(page.locator("#flags")).to_contain_text("Designation review overdue")
    check_accessibility(page, visited)
    page.goto(f"{base}/p/{partnership.slug}/leadership/quality/attention/")
    expect(page.locator("#attention")).to_contain_text("Amy Best")
    check_accessibility(page, visited)
    page.goto(f"{base}/p/{partnership.slug}/requests/{request.pk}/candidates/")
    amy_row = page.locator("#id_leaders tbody tr", has_text="Amy Best")
    expect(amy_row.locator(".govuk-tag")).to_have_text("Designation review overdue")
    check_accessibility(page, visited)

    # The approver records the outcome of the designation review.
    as_role(Role.APPROVER)
    page.goto(f"{base}/p/{partnership.slug}/leadership/quality/leaders/{amy.pk}/designation-review/")
    expect(page.locator("h1")).to_have_text("Designation review")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the outcome of the review")
    check_accessibility(page, visited)
    page.get_by_label("Redesignate").check()
    page.get_by_label("Reason").fill("Consistent impact across three deployments; QA secure.")
    page.get_by_role("button", name="Record the outcome").click()
    expect(main).to_contain_text("The outcome of Amy Best's designation review was recorded")
    expect(page.locator("#flags")).not_to_contain_text("Designation review overdue")
    expect(main).to_contain_text("Redesignate, next review")
    check_accessibility(page, visited)
    with scopes_disabled():
        assert SystemLeader.objects.get(pk=amy.pk).review_due > today
    assert len(visited) == 13
