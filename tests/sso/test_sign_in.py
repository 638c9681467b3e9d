"""Single sign-on end to end against real OpenID Connect providers running in the test (tests/sso/oidc_provider.py):
the portal fetches their discovery document, redirects to /authorize, exchanges the code at /token with PKCE,
checks the RS256 ID token against /jwks, and reads /userinfo."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.tenancy.roles import Role
from tests.factories import UserFactory, give_mfa, make_member
from tests.pages import parsed, text
from tests.sso.conftest import allow, sso_sign_in

pytestmark = pytest.mark.django_db

HEAD_EMAIL = "head@histon.cambs.sch.uk"


@pytest.fixture
def invited_head(partnership):
    """A headteacher who accepted their invitation (so has an account) at their school's domain."""
    return make_member(partnership, Role.HEADTEACHER, user=UserFactory(email=HEAD_EMAIL, name="Ruth Bennett"))


def signed_in_user(client):
    return client.get(reverse("home")).wsgi_request.user


def test_an_invited_user_signs_in_and_the_account_is_linked_on_first_sign_in(client, partnership, invited_head,
                                                                             identity_providers):
    allow(partnership, "microsoft", "histon.cambs.sch.uk")
    provider = identity_providers["microsoft"]
    provider.sign_in_as(email=HEAD_EMAIL, sub="entra-object-1")

    response = sso_sign_in(client, "microsoft")

    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert signed_in_user(client) == invited_head.user
    account = SocialAccount.objects.get()
    assert (account.user, account.provider, account.uid) == (invited_head.user, "microsoft", "entra-object-1")
    linked = AuditEvent.objects.filter(action="sso.account_linked")
    assert [(e.partnership_id, e.actor_id) for e in linked] == [(partnership.pk, invited_head.user.pk)]
    assert not provider.refusals
    # The provider saw the whole flow: discovery, the code exchanged (with PKCE, checked there), userinfo.
    assert ("POST", "/token") in provider.requests and ("GET", "/userinfo") in provider.requests

    # Next time: the same link, no new account, no new audit event.
    client.logout()
    provider.sign_in_as(email=HEAD_EMAIL, sub="entra-object-1")
    assert sso_sign_in(client, "microsoft")["Location"] == reverse("home")
    assert signed_in_user(client) == invited_head.user
    assert SocialAccount.objects.count() == 1 and linked.count() == 1


def test_the_sign_in_page_offers_only_configured_providers(client, settings, identity_providers):
    soup = parsed(client.get(reverse("account_login")))
    assert sorted(b.get_text(strip=True) for b in soup.select("main form button.govuk-button--secondary")) == [
        "Sign in with Google", "Sign in with Microsoft"]
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [
        app for app in settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] if app["provider_id"] == "google"]}}
    soup = parsed(client.get(reverse("account_login")))
    assert [b.get_text(strip=True) for b in soup.select("main form button.govuk-button--secondary")] == [
        "Sign in with Google"]
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    assert "Or sign in with" not in text(client.get(reverse("account_login")))


def refused(response, says: str) -> None:
    assert says in parsed(response, 403).main.get_text(" ", strip=True)


def test_an_email_domain_the_partnership_does_not_allow_is_refused(client, partnership, invited_head,
                                                                   identity_providers):
    allow(partnership, "microsoft", "impington.cambs.sch.uk")
    identity_providers["microsoft"].sign_in_as(email=HEAD_EMAIL)
    refused(sso_sign_in(client, "microsoft"), "histon.cambs.sch.uk is not one of them")
    assert not signed_in_user(client).is_authenticated
    assert not SocialAccount.objects.exists()


def test_a_provider_the_partnership_does_not_allow_is_refused(client, partnership, invited_head, identity_providers):
    allow(partnership, "microsoft", "histon.cambs.sch.uk")  # Microsoft only; Google stays off
    identity_providers["google"].sign_in_as(email=HEAD_EMAIL)
    refused(sso_sign_in(client, "google"), "None of your partnerships lets its members sign in with Google")
    assert not signed_in_user(client).is_authenticated
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize("verified", [False, "false", None])
def test_a_token_with_an_unverified_email_is_refused(client, partnership, invited_head, identity_providers, verified):
    allow(partnership, "google", "histon.cambs.sch.uk")
    identity_providers["google"].sign_in_as(email=HEAD_EMAIL, email_verified=verified)
    refused(sso_sign_in(client, "google"), "did not confirm that the address head@histon.cambs.sch.uk")
    assert not signed_in_user(client).is_authenticated
    assert not SocialAccount.objects.exists()


def test_an_unknown_email_gets_no_account(client, partnership, invited_head, identity_providers):
    allow(partnership, "microsoft", "histon.cambs.sch.uk")
    identity_providers["microsoft"].sign_in_as(email="deputy@histon.cambs.sch.uk")
    users = User.objects.count()
    refused(sso_sign_in(client, "microsoft"), "There is no account in the portal for deputy@histon.cambs.sch.uk")
    assert User.objects.count() == users
    assert not SocialAccount.objects.exists()
    assert not signed_in_user(client).is_authenticated


def test_an_id_token_from_another_issuer_is_not_accepted(client, partnership, invited_head, identity_providers):
    allow(partnership, "microsoft", "histon.cambs.sch.uk")
    identity_providers["microsoft"].sign_in_as(email=HEAD_EMAIL)
    identity_providers["microsoft"].token_issuer = "https://login.example.net/other-tenant/v2.0"
    response = sso_sign_in(client, "microsoft")
    assert "Sign-in did not work" in parsed(response, 401).main.get_text(" ", strip=True)
    assert not signed_in_user(client).is_authenticated
    assert not SocialAccount.objects.exists()


def test_a_deactivated_membership_no_longer_signs_in(client, partnership, invited_head, identity_providers):
    allow(partnership, "microsoft", "histon.cambs.sch.uk")
    identity_providers["microsoft"].sign_in_as(email=HEAD_EMAIL)
    assert sso_sign_in(client, "microsoft").status_code == 302
    client.logout()
    invited_head.is_active = False
    invited_head.save()
    identity_providers["microsoft"].sign_in_as(email=HEAD_EMAIL)
    refused(sso_sign_in(client, "microsoft"), "None of your partnerships")
    assert not signed_in_user(client).is_authenticated


def test_a_linked_provider_account_cannot_sign_in_as_someone_else(client, partnership, invited_head,
                                                                  identity_providers):
    """The provider's subject was linked to the head; it now claims a colleague's address: refused."""
    allow(partnership, "microsoft", "histon.cambs.sch.uk")
    colleague = make_member(partnership, Role.HEADTEACHER, user=UserFactory(email="bursar@histon.cambs.sch.uk"))
    identity_providers["microsoft"].sign_in_as(email=HEAD_EMAIL, sub="same-subject")
    sso_sign_in(client, "microsoft")
    client.logout()
    identity_providers["microsoft"].sign_in_as(email=colleague.user.email, sub="same-subject")
    refused(sso_sign_in(client, "microsoft"), "linked to a different portal account")
    assert not signed_in_user(client).is_authenticated


@pytest.fixture
def sso_broker(partnership):
    return make_member(partnership, Role.BROKER, user=UserFactory(email="broker@cambridgeshire-tsn.org.uk"), mfa=False)


def test_staff_with_a_second_factor_are_still_asked_for_it(client, partnership, sso_broker, identity_providers):
    allow(partnership, "microsoft", "cambridgeshire-tsn.org.uk")
    give_mfa(sso_broker.user)
    identity_providers["microsoft"].sign_in_as(email=sso_broker.user.email)
    response = sso_sign_in(client, "microsoft")
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in_user(client).is_authenticated


def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, partnership, sso_broker, identity_providers):
    allow(partnership, "microsoft", "cambridgeshire-tsn.org.uk")
    identity_providers["microsoft"].sign_in_as(email=sso_broker.user.email)
    assert sso_sign_in(client, "microsoft")["Location"] == reverse("home")
    response = client.get(f"/p/{partnership.slug}/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_the_providers_second_factor_counts_where_the_partnership_records_it(client, partnership, other_partnership,
                                                                            sso_broker, identity_providers):
    allow(partnership, "microsoft", "cambridgeshire-tsn.org.uk", enforces_mfa=True)
    give_mfa(sso_broker.user)
    identity_providers["microsoft"].sign_in_as(email=sso_broker.user.email)
    assert sso_sign_in(client, "microsoft")["Location"] == reverse("home")  # no code asked at sign-in
    assert client.get(f"/p/{partnership.slug}/").status_code == 200
    # A second partnership of the same person that allows Microsoft but does not record it still asks.
    make_member(other_partnership, Role.BROKER, user=sso_broker.user)
    allow(other_partnership, "microsoft", "cambridgeshire-tsn.org.uk")
    response = client.get(f"/p/{other_partnership.slug}/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_a_password_session_is_not_excused_by_the_flag(client, partnership, sso_broker):
    allow(partnership, "microsoft", "cambridgeshire-tsn.org.uk", enforces_mfa=True)
    from tests.factories import PASSWORD

    assert client.login(username=sso_broker.user.email, password=PASSWORD)
    response = client.get(f"/p/{partnership.slug}/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_the_sign_in_page_lets_its_forms_go_on_to_the_configured_providers_only(client, identity_providers):
    """The buttons post to the portal, which redirects to the provider: browsers check that against form-action."""
    policy = client.get(reverse("account_login"))["Content-Security-Policy"]
    [form_action] = [d.split() for d in policy.split("; ") if d.startswith("form-action")]
    assert form_action == ["form-action", "'self'", identity_providers["microsoft"].base_url,
                           identity_providers["google"].base_url]
    policy = client.get(reverse("accessibility"))["Content-Security-Policy"]
    assert "form-action 'self';" in policy + ";" and "127.0.0.1" not in policy


def test_the_link_and_the_mobile_number_are_in_the_export_and_go_on_erasure(client, partnership, invited_head,
                                                                           identity_providers):
    from portal.privacy.erasure import global_erase_person
    from portal.privacy.export import global_export_person

    allow(partnership, "microsoft", "histon.cambs.sch.uk")
    identity_providers["microsoft"].sign_in_as(email=HEAD_EMAIL, sub="entra-object-9")
    sso_sign_in(client, "microsoft")
    user = invited_head.user
    user.mobile_number = "+447700900123"
    user.save()
    operator = UserFactory(is_staff=True)
    tables = global_export_person(actor=operator, person=user).tables
    assert [(r["provider"], r["uid"]) for r in tables["single_sign_on"]] == [("microsoft", "entra-object-9")]
    assert tables["account"][0]["mobile_number"] == "+447700900123"
    global_erase_person(actor=operator, person=user)
    user.refresh_from_db()
    assert not SocialAccount.objects.exists() and user.mobile_number == "" and user.sms_opted_in_at is None
    # The provider's account cannot sign in to it again.
    client.logout()
    identity_providers["microsoft"].sign_in_as(email=HEAD_EMAIL, sub="entra-object-9")
    refused(sso_sign_in(client, "microsoft"), "There is no account in the portal for head@histon.cambs.sch.uk")
