from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest

SETUP = "setup"
VERIFY = "verify"


def is_demo_user(user) -> bool:
    return user.email.lower().endswith("@" + settings.DEMO_EMAIL_DOMAIN)


def session_used_mfa(request: HttpRequest) -> bool:
    """True when this session has passed a second factor (at sign-in, reauthentication or set-up)."""
    records = get_authentication_records(request, request.user)  # only records made for this user count
    return any(record.get("method") == "mfa" for record in records)


def mfa_gate(request: HttpRequest, *, required: bool) -> str | None:
    """What stands between the user and a page that needs MFA: SETUP, VERIFY, or None.

    Having an authenticator is not enough: the session itself must have used it, so a password-only
    session from before a role change (or before set-up elsewhere) is asked for a code. At most one query.
    """
    if not required:
        return None
    user = request.user
    if settings.MFA_EXEMPT_DEMO_USERS and is_demo_user(user):
        return None
    if session_used_mfa(request):
        return None
    cached = getattr(request, "_portal_has_mfa", None)
    if cached is None:
        cached = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()
        request._portal_has_mfa = cached
    return VERIFY if cached else SETUP
