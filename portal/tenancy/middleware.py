from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from portal.accounts.mfa import mfa_gate
from portal.accounts.middleware import mfa_redirect
from portal.sso.policy import provider_mfa_counts
from portal.tenancy.rls import partnership_scope
from portal.tenancy.selectors import global_membership_for

NOT_FOUND = "Page not found"


class PartnershipMiddleware:
    """Resolves `/p/<slug>/...` to the user's membership and runs the view and its template in scope.

    Anonymous visitors are sent to sign in (before any lookup, so the redirect says nothing about
    which partnerships exist). A signed-in non-member, an inactive membership and an unknown slug
    all get the same 404. Staff roles must have used two-factor authentication in this session (or
    signed in with a provider the partnership records as enforcing it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.partnership = None
        request.membership = None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        slug = match.kwargs.get("partnership_slug")
        if slug is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = global_membership_for(user=request.user, slug=slug)
        if membership is None:
            raise Http404(NOT_FOUND)
        # A single sign-on whose provider this partnership records as enforcing a second factor counts as one.
        required = membership.requires_mfa and not provider_mfa_counts(request, membership.partnership)
        gate = mfa_gate(request, required=required)
        if gate:
            return mfa_redirect(request, gate)
        request.partnership = membership.partnership
        request.membership = membership
        # The view runs strictly in the partnership: in the database too (portal/tenancy/rls.py).
        with partnership_scope(membership.partnership):
            response = self.get_response(request)
            # Lazy template responses must render while the scope is still active.
            if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
                response.render()
        return response
