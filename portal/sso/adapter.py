from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest
from django.shortcuts import render

from portal.sso import policy, services


def refusal(request: HttpRequest, decision: policy.Decision) -> ImmediateHttpResponse:
    """The page that says why this sign-in cannot go ahead (403), as an allauth interruption."""
    response = render(request, "sso/refused.html", {"decision": decision}, status=403)
    return ImmediateHttpResponse(response)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on links to an invited account by its verified email, and never signs anyone up."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        provider = sociallogin.account.provider
        decision = policy.decide(provider=provider, claims=policy.claims_of(sociallogin.account.extra_data))
        if decision.refused:
            raise refusal(request, decision)
        if sociallogin.is_existing:
            # Linked before: still the same person, and still allowed (checked above, as settings change).
            if sociallogin.user.pk != decision.user.pk:
                decision.refused = policy.OTHER_ACCOUNT
                raise refusal(request, decision)
            return
        if sociallogin.state.get("process") == "connect":  # from the connections page: allauth links it
            if request.user.pk != decision.user.pk:
                decision.refused = policy.OTHER_ACCOUNT
                raise refusal(request, decision)
            return
        sociallogin.connect(request, decision.user)
        services.record_link(decision=decision, request=request)
