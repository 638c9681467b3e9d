"""Reading the single sign-on and GOV.UK Notify settings from the environment (single functions, no database)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.accounts.profile import normalise_uk_mobile
from portal.notifications.notify_config import templates_from_env
from portal.sso.config import configured, providers_from_env
from portal.sso.policy import email_is_verified

ALL = ("MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET", "MICROSOFT_TENANT_ID", "MICROSOFT_SERVER_URL",
       "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_SERVER_URL", "NOTIFY_TEMPLATE_IDS")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ALL:
        monkeypatch.delenv(name, raising=False)


def test_no_provider_without_its_id_and_secret(monkeypatch):
    assert configured(providers_from_env()) == []
    monkeypatch.setenv("GOOGLE_CLIENT_ID", "g-id")
    assert configured(providers_from_env()) == []  # no secret


def test_microsoft_needs_a_tenant_and_uses_its_issuer(monkeypatch):
    monkeypatch.setenv("MICROSOFT_CLIENT_ID", "m-id")
    monkeypatch.setenv("MICROSOFT_CLIENT_SECRET", "m-secret")
    assert configured(providers_from_env()) == []  # the multi-tenant issuer would match no token
    monkeypatch.setenv("MICROSOFT_TENANT_ID", "3f2b0c1e-0000-4000-8000-000000000001")
    monkeypatch.setenv("GOOGLE_CLIENT_ID", "g-id")
    monkeypatch.setenv("GOOGLE_CLIENT_SECRET", "g-secret")
    setting = providers_from_env()
    assert configured(setting) == [("microsoft", "Microsoft"), ("google", "Google")]
    microsoft, google = setting["openid_connect"]["APPS"]
    assert microsoft["settings"]["server_url"] == (
        "https://login.microsoftonline.com/3f2b0c1e-0000-4000-8000-000000000001/v2.0")
    assert (google["client_id"], google["secret"], google["settings"]["server_url"]) == (
        "g-id", "g-secret", "https://accounts.google.com")
    assert setting["openid_connect"]["OAUTH_PKCE_ENABLED"] is True


@pytest.mark.parametrize(("provider", "claims", "verified"), [
    ("google", {"email_verified": True}, True),
    ("google", {"email_verified": "true"}, True),
    ("google", {"email_verified": False}, False),
    ("google", {}, False),
    ("google", {"xms_edov": True}, False),  # Entra's claim means nothing from Google
    ("microsoft", {"xms_edov": True}, True),
    ("microsoft", {"xms_edov": False}, False),
])
def test_which_claims_say_the_email_is_verified(provider, claims, verified):
    assert email_is_verified(provider, claims) is verified


def test_notify_template_ids_are_read_as_kind_equals_id(monkeypatch):
    monkeypatch.setenv("NOTIFY_TEMPLATE_IDS", " invitation.sent = a1 , review.reminder:sms=b2,generic=c3,")
    assert templates_from_env() == {"invitation.sent": "a1", "review.reminder:sms": "b2", "generic": "c3"}
    monkeypatch.setenv("NOTIFY_TEMPLATE_IDS", "invitation.sent")
    with pytest.raises(ImproperlyConfigured, match="kind=template-id"):
        templates_from_env()


@pytest.mark.parametrize(("typed", "number"), [
    ("07700 900123", "+447700900123"), ("+447700900123", "+447700900123"), ("0044 7700 900123", "+447700900123"),
    ("+44 (0) 7700 900123", "+447700900123"), ("(07700) 900-123", "+447700900123"),
    ("01223 123456", None), ("+33 6 12 34 56 78", None), ("0770090012", None), ("077009001234", None), ("", None),
])
def test_uk_mobile_numbers(typed, number):
    assert normalise_uk_mobile(typed) == number
