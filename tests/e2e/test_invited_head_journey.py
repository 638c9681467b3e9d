"""An admin invites a headteacher, choosing the school by name; the head accepts, asks for support at once, and
withdraws the request through its confirmation page. axe-core on every page visited."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_scopes import scopes_disabled

from portal.notifications.models import Notification
from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_directory import sign_in
from tests.factories import (
    LocalAuthorityFactory,
    PartnershipFactory,
    SchoolFactory,
    UserFactory,
    default_specialisms,
    make_member,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "new.head@histon.example.org"
PASSWORD = "a-long-and-unusual-pass-phrase"


def _invitation_link() -> str:
    """The link in the invitation email (the outbox row forgets it once sent: it is a secret)."""
    with scopes_disabled():
        row = Notification.objects.get(event_type="invitation.sent")
    if row.link:
        return row.link
    [message] = [m for m in mail.outbox if EMAIL in m.to]
    return re.search(r"/invitations/[^/\s]+/", message.body).group(0)


def test_an_invited_head_asks_for_support_and_withdraws_it(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
    cambs = LocalAuthorityFactory()
    SchoolFactory(urn="139087", name="Histon and Impington Junior School", la=cambs, town="Histon", phase="")
    SchoolFactory(urn="110650", name="Histon and Impington Infant School", la=cambs, town="Histon", phase="")
    admin = make_member(partnership, Role.ADMIN, mfa=False, user=UserFactory(email=f"admin@{settings.DEMO_EMAIL_DOMAIN}"))
    make_member(partnership, Role.BROKER, mfa=False, user=UserFactory(email=f"broker@{settings.DEMO_EMAIL_DOMAIN}"))
    default_specialisms(partnership)
    base, visited = live_server.url, []

    # The admin invites the new head, typing the school's name: two schools fit, so the page asks which.
    sign_in(page, base, admin.user)
    page.goto(f"{base}/p/cambridgeshire/members/invite/")
    check_accessibility(page, visited)
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("radio", name="Headteacher").check()
    page.get_by_label("Schools they lead (headteachers)").fill("Histon")
    page.get_by_role("button", name="Send invitation").click()
    assert "More than one school matches Histon" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error: ")
    check_accessibility(page, visited)
    page.get_by_label("Histon and Impington Junior School (URN 139087, Histon, Cambridgeshire)").check()
    page.get_by_role("button", name="Send invitation").click()
    assert "Invitation sent to new.head@histon.example.org as Headteacher" in page.locator("main").inner_text()
    check_accessibility(page, visited)
    link = _invitation_link()

    # The head opens the link, creates an account and accepts: the invitation names the school.
    page.context.clear_cookies()
    page.goto(f"{base}{link}")
    assert "Histon and Impington Junior School (URN 139087)" in page.locator("main").inner_text()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Create an account").click()
    page.get_by_label("Full name").fill("Hana Head")
    page.get_by_label("Email").first.fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("button", name="Accept and join Cambridgeshire Teaching School Network").click()
    assert page.url == f"{base}/p/cambridgeshire/"
    check_accessibility(page, visited)

    # Straight away: ask for support for the school.
    page.get_by_role("button", name="Ask for support").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Start").click()
    page.get_by_label("Mathematics").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("What is going on?").fill("Key stage 2 maths results fell.")
    page.get_by_label("What would good look like at the end of the support?").fill("Results recovering.")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Soon: within a few weeks").check()
    page.get_by_label("How many days of support do you think you need?").fill("3")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Our school budget").check()
    page.get_by_label("I agree that the steering group can share").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Send request").click()
    assert page.locator(".govuk-panel__title").inner_text() == "Request sent"
    request_url = page.url

    # Withdrawing is a link to a page that says what will happen; Cancel goes back and changes nothing.
    page.get_by_role("button", name="Withdraw request").click()
    assert page.locator("h1").inner_text().startswith("Withdraw request R")
    assert "The partnership's brokers" in page.locator("#who-is-told").inner_text()
    check_accessibility(page, visited)
    page.get_by_role("link", name="Cancel").click()
    assert page.url == request_url
    page.get_by_role("button", name="Withdraw request").click()
    page.get_by_label("Why are you withdrawing it? (optional)").fill("We found help nearer home.")
    page.get_by_role("button", name="Withdraw request").click()
    assert page.url == request_url
    assert "is withdrawn" in page.locator(".govuk-notification-banner").inner_text()
    assert "Closed: withdrawn" in page.locator("main").inner_text()
    check_accessibility(page, visited)
    assert len(visited) == 8
