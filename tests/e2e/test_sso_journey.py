"""Single sign-on in a browser, through a real OpenID Connect provider run by the test (tests/sso/oidc_provider.py):
an admin allows Microsoft for the school's domain; the invited head signs in with it and turns text reminders on;
someone without an account is refused with the reason. axe-core on every portal page visited (not the provider's)."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility
from tests.factories import PASSWORD, PartnershipFactory, UserFactory, make_member
from tests.sso.oidc_provider import running_provider

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEAD = "ruth.bennett@histon.cambs.sch.uk"


def sign_in(page, base, user):
    """With a password (the page also has "Sign in with Microsoft")."""
    page.goto(f"{base}/account/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


@pytest.fixture
def microsoft(settings):
    with running_provider("portal-e2e", "e2e-secret") as provider:
        settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": [{
            "provider_id": "microsoft", "name": "Microsoft", "client_id": provider.client_id,
            "secret": provider.client_secret,
            "settings": {"server_url": provider.base_url, "token_auth_method": "client_secret_post"}}]}}
        yield provider


def test_a_head_signs_in_with_microsoft_where_the_partnership_allows_it(page, live_server, settings, microsoft):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership = PartnershipFactory(name="Cambridgeshire Teaching School Network", slug="cambridgeshire")
    admin = make_member(partnership, Role.ADMIN, mfa=False, user=UserFactory(email=f"admin@{settings.DEMO_EMAIL_DOMAIN}"))
    head = make_member(partnership, Role.HEADTEACHER, user=UserFactory(email=HEAD, name="Ruth Bennett"))
    base, visited = live_server.url, []

    # The admin allows Microsoft for the school's domain; a mistake first, explained, what was typed kept.
    sign_in(page, base, admin.user)
    page.goto(f"{base}/p/cambridgeshire/settings/sign-in/")
    check_accessibility(page, visited)
    page.get_by_label("Members may sign in with Microsoft").check()
    page.get_by_role("button", name="Save sign-in settings").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter at least one email domain, or stop allowing Microsoft sign-in")
    check_accessibility(page, visited)
    expect(page.get_by_label("Members may sign in with Microsoft")).to_be_checked()
    page.get_by_label("Email domains that may sign in with Microsoft").fill("histon.cambs.sch.uk")
    page.get_by_role("button", name="Save sign-in settings").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Sign-in settings saved")
    page.context.clear_cookies()

    # The head signs in with Microsoft: the provider sends them back, and their invited account is linked.
    microsoft.sign_in_as(email=HEAD, sub="entra-ruth")
    page.goto(f"{base}/account/login/")
    check_accessibility(page, visited)
    page.get_by_role("button", name="Sign in with Microsoft").click()
    expect(page).to_have_url(f"{base}/p/cambridgeshire/")
    expect(page.locator("h1")).to_be_visible()
    check_accessibility(page, visited)
    with scopes_disabled():
        assert SocialAccount.objects.get().user_id == head.user_id

    # They ask for text reminders of reviews due.
    page.goto(f"{base}/account/text-reminders/")
    check_accessibility(page, visited)
    page.get_by_label("UK mobile phone number").fill("07700 900")
    page.get_by_label("Send me a text message when a review I need to write is due").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a UK mobile phone number, like 07700 900123")
    check_accessibility(page, visited)
    page.get_by_label("UK mobile phone number").fill("07700 900123")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Text reminders are on")
    with scopes_disabled():
        assert User.objects.get(pk=head.user_id).wants_text_reminders
    page.context.clear_cookies()

    # Someone from the school without a portal account is told why, and no account is made.
    microsoft.sign_in_as(email="deputy@histon.cambs.sch.uk")
    page.goto(f"{base}/account/login/")
    page.get_by_role("button", name="Sign in with Microsoft").click()
    expect(page.locator("h1")).to_have_text("You cannot sign in with Microsoft")
    expect(page.locator("main")).to_contain_text("There is no account in the portal for deputy@histon.cambs.sch.uk")
    check_accessibility(page, visited)
    with scopes_disabled():
        assert not User.objects.filter(email="deputy@histon.cambs.sch.uk").exists()
    assert not microsoft.refusals
    assert all(url.startswith(base) for url in visited)
