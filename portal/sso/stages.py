from __future__ import annotations

from allauth.mfa.stages import AuthenticateStage as AllauthAuthenticateStage

from portal.sso.policy import enforces_mfa_anywhere


class AuthenticateStage(AllauthAuthenticateStage):
    """allauth's "enter your code" step at sign-in, skipped after a single sign-on whose provider a partnership
    of the user records as enforcing a second factor. Partnerships that do not record it still ask for the
    code before their pages (portal.tenancy.middleware)."""

    def _should_handle(self, request) -> bool:
        if not super()._should_handle(request):
            return False
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        if sociallogin is None:
            return True
        return not enforces_mfa_anywhere(user=self.login.user, provider=sociallogin.account.provider)
