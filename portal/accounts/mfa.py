from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest


def is_demo_user(user) -> bool:
    return user.email.lower().endswith("@" + settings.DEMO_EMAIL_DOMAIN)


def needs_mfa_setup(request: HttpRequest, *, required: bool) -> bool:
    """True when MFA is `required` for what the user is opening and they have not set it up.

    The answer is cached on the request: one query at most.
    """
    if not required:
        return False
    user = request.user
    if settings.MFA_EXEMPT_DEMO_USERS and is_demo_user(user):
        return False
    cached = getattr(request, "_portal_has_mfa", None)
    if cached is None:
        cached = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()
        request._portal_has_mfa = cached
    return not cached
