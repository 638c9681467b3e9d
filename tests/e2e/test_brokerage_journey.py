"""From a sent request to a completed deployment, across five roles in a real browser; emails into a real SMTP sink.

The headteacher's question flow itself is walked in test_request_journey; here the request starts sent.
axe-core runs on every page visited.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from deployments.requests import services
from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import (
    PartnershipFactory,
    SchoolFactory,
    SystemLeaderFactory,
    UserFactory,
    default_specialisms,
    make_member,
)
from tests.integration.test_worker import smtp_sink  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _people(settings):
    domain = settings.DEMO_EMAIL_DOMAIN
    partnership = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
    school = SchoolFactory(urn="139087", name="Histon and Impington Junior School", easting=544_900, northing=262_500)
    home = SchoolFactory(urn="110750", name="St Matthew's Primary School", easting=546_000, northing=258_000)
    people = {role: make_member(partnership, role, mfa=False, user=UserFactory(email=f"{role}@{domain}"))
              for role in (Role.HEADTEACHER, Role.BROKER, Role.APPROVER, Role.SYSTEM_LEADER)}
    people[Role.HEADTEACHER].schools.add(school)
    maths = default_specialisms(partnership)["Mathematics"]
    SystemLeaderFactory(partnership=partnership, name="Amy Best", home_school=home, capacity_days_per_term=6,
                        release_consent_by="Head of St Matthew's", user=people[Role.SYSTEM_LEADER].user,
                        email=f"amy@{domain}", specialisms=[maths])
    head = people[Role.HEADTEACHER]
    # The request is sent through the services, so its history (started, sent) is the real one.
    with scope(partnership=partnership):
        draft = services.start_request(actor=head, school=school)
        services.update_draft(actor=head, request=draft, needs=[maths], context="KS2 maths fell <b>two</b> years running.",
                              success="Teachers confident.", urgency="soon", days_wanted=3, funding_route="school",
                              consent_to_share=True)
        services.submit_request(actor=head, request=draft)
    return partnership, people, draft


def test_the_whole_brokerage_journey_across_roles(page, live_server, settings, smtp_sink):  # noqa: F811
    sink, port = smtp_sink
    settings.MFA_EXEMPT_DEMO_USERS = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.SITE_URL = live_server.url
    partnership, people, request = _people(settings)
    base, visited = live_server.url, []
    main = page.locator("main")
    today = timezone.localdate()

    def as_role(role):
        page.context.clear_cookies()
        sign_in(page, base, people[role].user)

    # The broker takes the request on and offers it.
    as_role(Role.BROKER)
    page.get_by_role("link", name=request.reference, exact=True).click()
    page.get_by_role("button", name="Triage this request").click()
    page.get_by_label("Yes, find a system leader").check()
    page.get_by_label("Targeted support").check()
    page.get_by_role("button", name="Save decision").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Find and offer system leaders").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Offer to the selected leaders").click()
    assert "Select at least one system leader" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, visited)
    page.get_by_label("Offer to Amy Best").check()
    page.get_by_role("button", name="Offer to the selected leaders").click()
    assert "Offered to Amy Best" in main.inner_text()
    check_accessibility(page, visited)

    # The system leader accepts from their home page.
    as_role(Role.SYSTEM_LEADER)
    check_accessibility(page, visited)
    page.get_by_role("link", name="Histon and Impington Junior School: 3 days").click()
    assert "KS2 maths fell <b>two</b> years running." in main.inner_text()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Accept this request").click()
    assert "You accepted" in main.inner_text()

    # The broker proposes the deployment.
    as_role(Role.BROKER)
    page.get_by_role("link", name=f"Histon and Impington Junior School ({request.reference})").click()
    check_accessibility(page, visited)
    page.get_by_label("Objective", exact=True).fill("Teachers plan and assess KS2 maths with confidence")
    page.get_by_label("Success criteria", exact=True).fill("80% of Year 6 at the expected standard")
    page.get_by_label("Member rate", exact=True).check()
    page.get_by_label("Day rate").fill("350")
    page.get_by_label("The supported school's budget").check()
    page.get_by_label("Start date").fill(today.strftime("%d/%m/%Y"))
    page.get_by_label("End date").fill((today + timedelta(days=60)).strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Send for approval").click()
    assert "Approvers have been asked to decide" in main.inner_text()
    check_accessibility(page, visited)

    # The approver approves with a rationale.
    as_role(Role.APPROVER)
    check_accessibility(page, visited)
    page.locator("main table a.govuk-link").first.click()
    page.get_by_role("button", name="Approve or reject").click()
    check_accessibility(page, visited)
    page.get_by_label("Approve the deployment").check()
    page.get_by_label("Rationale").fill("Strong maths record; close by.")
    page.get_by_role("button", name="Record the decision").click()
    assert "Everyone involved has been told" in main.inner_text()

    # The headteacher's request now reads as its deployment does, on their home page and the request's page.
    as_role(Role.HEADTEACHER)
    approved = "Deployment approved: agreement being confirmed"
    assert approved in main.inner_text() and "System leader found" not in main.inner_text()
    page.get_by_role("link", name=request.reference, exact=True).click()
    assert main.locator("p strong.govuk-tag").first.inner_text() == approved
    check_accessibility(page, visited)

    # Head and leader confirm the agreement; the printable view is its record.
    for role in (Role.HEADTEACHER, Role.SYSTEM_LEADER):
        as_role(role)
        check_accessibility(page, visited)
        page.locator("main a.govuk-link[href*='/deployments/']").first.click()
        page.get_by_role("button", name="Confirm the agreement").click()
        check_accessibility(page, visited)
    assert "the work can start" in main.inner_text()
    page.get_by_role("link", name="Printable agreement").click()
    assert "Strong maths record; close by." in main.inner_text() and "£1,050.00 in all" in main.inner_text()
    check_accessibility(page, visited)
    page.go_back()

    # The leader logs a visit; the head confirms it.
    page.get_by_role("button", name="Log a visit").click()
    page.get_by_label("Date of the visit").fill(today.strftime("%d/%m/%Y"))
    page.get_by_label("Whole day").check()
    page.get_by_label("Focus").fill("Year 6 <i>reasoning</i> lessons")
    page.get_by_role("button", name="Log the visit").click()
    assert "The school has been asked to confirm it" in main.inner_text()
    check_accessibility(page, visited)
    as_role(Role.HEADTEACHER)
    page.get_by_role("link", name=f"Amy Best at Histon and Impington Junior School on {today:%-d %B %Y}").click()
    check_accessibility(page, visited)
    page.get_by_label("Yes, confirm it").check()
    page.get_by_role("button", name="Send your answer").click()
    assert "Visit confirmed." in main.inner_text()

    # The broker completes it with a closing summary.
    as_role(Role.BROKER)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Deployments").click()
    check_accessibility(page, visited)
    page.locator("main table a.govuk-link").first.click()
    page.get_by_role("button", name="Complete").click()
    check_accessibility(page, visited)
    page.get_by_label("Closing summary").fill("Maths planning is consistent across KS2.")
    page.get_by_role("button", name="Complete deployment").click()
    assert "is completed" in main.inner_text()
    timeline = page.locator("#timeline ~ ol").inner_text()
    for words in ("Deployment approved", "Agreement in force", "Visit confirmed by the school", "Deployment completed"):
        assert words in timeline
    check_accessibility(page, visited)

    # For the school the request is closed: on the home page, the request's page and the requests list's filter.
    as_role(Role.HEADTEACHER)
    assert "Closed: support completed" in main.inner_text() and "System leader found" not in main.inner_text()
    page.get_by_role("link", name=request.reference, exact=True).click()
    assert main.locator("p strong.govuk-tag").first.inner_text() == "Closed: support completed"
    assert "Deployment completed" in page.locator("#timeline ~ ol").inner_text()
    check_accessibility(page, visited)
    page.get_by_role("link", name="Back to requests").click()
    page.get_by_label("Status").select_option(label="Closed")
    page.get_by_role("button", name="Apply filter").click()
    expect(page.get_by_role("link", name=request.reference, exact=True)).to_be_visible()
    assert "Closed: support completed" in main.locator("table").inner_text()
    check_accessibility(page, visited)

    # Every step emailed the people who act next, once, with a link back.
    messages = sink.wait_for(14)
    subjects = [m["Subject"] for m in messages]
    for expected in ("Can you support Histon and Impington Junior School?", "Amy Best accepted",
                     "Approve a deployment for Histon", "approved: confirm the agreement", "is agreed and under way",
                     "Confirm a visit by Amy Best", "was confirmed", "is complete"):
        assert any(expected in s for s in subjects), (expected, subjects)
    assert len(subjects) == len(set(zip(subjects, [m["To"] for m in messages], strict=True)))  # nothing twice
    offer_mail = next(m for m in messages if "Can you support" in m["Subject"])
    assert f"{base}/p/cambridgeshire/offers/" in offer_mail.get_body(("plain",)).get_content()
    assert len(visited) >= 20
