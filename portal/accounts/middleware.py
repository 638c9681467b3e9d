from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from portal.accounts.mfa import SETUP, mfa_gate

SIGNED_IN_AT = "portal_signed_in_at"


class SessionLifetimeMiddleware:
    """Ends a session 12 hours after sign-in however active it is (the 30-minute idle limit is the cookie's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            now = time.time()
            if signed_in_at is None:
                request.session[SIGNED_IN_AT] = now
            elif now - signed_in_at > settings.SESSION_ABSOLUTE_LIMIT.total_seconds():
                logout(request)
                messages.info(request, "You were signed out because you signed in more than 12 hours ago. Sign in again.")
                return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def mfa_redirect(request: HttpRequest, gate: str) -> HttpResponse:
    """Send the user to set up MFA, or to enter a code, then back to where they were going."""
    next_path = request.get_full_path()
    if gate == SETUP:
        messages.warning(request, "Your role needs two-factor authentication. Set it up to continue.")
        request.session["portal_mfa_next"] = next_path
        return HttpResponseRedirect(reverse("mfa_activate_totp"))
    messages.info(request, "Enter a code from your authenticator app to continue.")
    return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': next_path})}")


class StaffMfaMiddleware:
    """Platform operators (Django admin, platform pages) must use two-factor authentication, like steering-group staff."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(("/admin/", "/platform/")) and request.user.is_authenticated and request.user.is_staff:
            gate = mfa_gate(request, required=True)
            if gate:
                return mfa_redirect(request, gate)
        return self.get_response(request)
