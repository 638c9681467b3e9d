from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def provider_origins() -> list[str]:
    """The origins of the configured providers (their sign-in pages live on the issuer's origin, as Entra ID's
    and Google's do)."""
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    origins = []
    for app in apps:
        parts = urlsplit(app.get("settings", {}).get("server_url", ""))
        if parts.scheme in ("http", "https") and parts.netloc and f"{parts.scheme}://{parts.netloc}" not in origins:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


class ProviderFormActionMiddleware:
    """The "Sign in with ..." buttons post to the portal, which redirects to the provider: browsers check that
    redirect against the sign-in page's CSP `form-action`, so the account pages allow the providers' origins
    (and only those pages, and only configured providers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith("/account/") and "text/html" in response.get("Content-Type", ""):
            origins = provider_origins()
            if origins:
                response._csp_update = {**(getattr(response, "_csp_update", None) or {}), "form-action": origins}
        return response
