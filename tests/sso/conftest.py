from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from portal.sso.models import SignInProvider
from tests.sso.oidc_provider import running_provider


@pytest.fixture
def identity_providers(settings):
    """Two real OpenID Connect providers on 127.0.0.1, configured as the portal's "microsoft" and "google"."""
    with running_provider("portal-microsoft", "microsoft-secret") as microsoft, \
            running_provider("portal-google", "google-secret") as google:
        apps = [
            {"provider_id": pid, "name": name, "client_id": server.client_id, "secret": server.client_secret,
             "settings": {"server_url": server.base_url, "token_auth_method": "client_secret_post"}}
            for pid, name, server in (("microsoft", "Microsoft", microsoft), ("google", "Google", google))
        ]
        settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": apps, "OAUTH_PKCE_ENABLED": True}}
        yield {"microsoft": microsoft, "google": google}


def allow(partnership, provider: str, *domains: str, enforces_mfa: bool = False) -> SignInProvider:
    row, _ = SignInProvider.objects.update_or_create(
        partnership=partnership, provider=provider,
        defaults={"allowed": True, "email_domains": "\n".join(domains), "enforces_mfa": enforces_mfa})
    return row


def sso_sign_in(client, provider_id: str):
    """Press "Sign in with ..." on the sign-in page, let the provider send the browser back, and return the
    portal's answer to the callback (the provider already knows who signs in: `sign_in_as`)."""
    start = client.post(f"/account/oidc/{provider_id}/login/", {"process": "login"})
    assert start.status_code == 302, start.content[:500]
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    return client.get(back.path, dict(parse_qsl(back.query)))
