"""Which single sign-on providers are configured, read from the environment (imported by settings.py).

Each provider is on only when both its client id and its secret are set (Microsoft also needs its tenant). The "microsoft" app signs in
with Entra ID for one tenant (MICROSOFT_TENANT_ID), the "google" app with Google's accounts.
"""

from __future__ import annotations

from portal.env import env_str

#: Provider id (allauth's provider_id, also stored on a partnership's sign-in settings) to the name people see.
PROVIDER_NAMES = {"microsoft": "Microsoft", "google": "Google"}


def _app(provider_id: str, client_id: str, secret: str, server_url: str) -> dict:
    return {
        "provider_id": provider_id,
        "name": PROVIDER_NAMES[provider_id],
        "client_id": client_id,
        "secret": secret,
        "settings": {"server_url": server_url, "token_auth_method": "client_secret_post"},
    }


def providers_from_env() -> dict:
    """allauth's SOCIALACCOUNT_PROVIDERS: one OpenID Connect app per configured provider."""
    apps = []
    microsoft_id, microsoft_secret = env_str("MICROSOFT_CLIENT_ID"), env_str("MICROSOFT_CLIENT_SECRET")
    # One tenant's issuer: the multi-tenant endpoints publish a templated issuer that no ID token matches.
    tenant = env_str("MICROSOFT_TENANT_ID")
    server_url = env_str("MICROSOFT_SERVER_URL", f"https://login.microsoftonline.com/{tenant}/v2.0" if tenant else "")
    if microsoft_id and microsoft_secret and server_url:
        apps.append(_app("microsoft", microsoft_id, microsoft_secret, server_url))
    google_id, google_secret = env_str("GOOGLE_CLIENT_ID"), env_str("GOOGLE_CLIENT_SECRET")
    if google_id and google_secret:
        apps.append(_app("google", google_id, google_secret,
                         env_str("GOOGLE_SERVER_URL", "https://accounts.google.com")))
    return {"openid_connect": {"APPS": apps, "OAUTH_PKCE_ENABLED": True}}


def configured(providers_setting: dict) -> list[tuple[str, str]]:
    """(provider id, name) of each configured app, in the order above."""
    apps = providers_setting.get("openid_connect", {}).get("APPS", [])
    ids = {app["provider_id"] for app in apps}
    return [(pid, name) for pid, name in PROVIDER_NAMES.items() if pid in ids]
