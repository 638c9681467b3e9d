from __future__ import annotations

import time

from allauth.mfa.signals import authenticator_added
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from portal.accounts.middleware import SIGNED_IN_AT


@receiver(user_logged_in)
def remember_sign_in_time(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()


@receiver(authenticator_added)
def count_set_up_as_a_second_factor(sender, request, user, authenticator, **kwargs) -> None:
    # Setting up TOTP means entering a valid code, so this session has passed a second factor.
    from allauth.account.internal.flows.login import record_authentication

    if request is not None and authenticator.type == authenticator.Type.TOTP:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
