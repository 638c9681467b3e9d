from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from portal.errors import DomainError
from portal.tenancy.services import global_invitation_for_token

INVITATION_SESSION_KEY = "portal_invitation_token"


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are by invitation: sign-up is open only to someone holding a valid invitation link."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        token = request.session.get(INVITATION_SESSION_KEY)
        if not token:
            return False
        try:
            global_invitation_for_token(token)
        except DomainError:
            return False
        return True

    def get_login_stages(self) -> list[str]:
        # The second-factor step knows about single sign-on providers that enforce their own (portal/sso).
        return [
            "portal.sso.stages.AuthenticateStage" if path == "allauth.mfa.stages.AuthenticateStage" else path
            for path in super().get_login_stages()
        ]

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        token = request.session.get(INVITATION_SESSION_KEY)
        if token:
            return reverse("invitation", kwargs={"token": token})
        return super().get_login_redirect_url(request)
