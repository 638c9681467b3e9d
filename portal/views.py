"""Pages outside any partnership: the front door, the switcher, invitations, health, accessibility."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.accounts.adapter import INVITATION_SESSION_KEY
from portal.tenancy.roles import ROLE_DESCRIPTIONS
from portal.tenancy.selectors import global_memberships_for_user, global_partnerships_overview
from portal.tenancy.services import InvitationInvalid, accept_invitation, global_invitation_for_token


@require_http_methods(["GET", "HEAD"])
def home(request: HttpRequest) -> HttpResponse:
    """Signed out: what the portal is. Signed in: the home page of the partnership they use (or a choice)."""
    if not request.user.is_authenticated:
        return render(request, "portal/landing.html")
    memberships = global_memberships_for_user(user=request.user)
    if not memberships and request.user.is_staff:
        return operator_home(request)
    if len(memberships) == 1:
        return redirect(memberships[0].partnership)
    last = request.session.get("portal_partnership")
    for membership in memberships:
        if membership.partnership.slug == last:
            return redirect(membership.partnership)
    return render(request, "portal/switch.html", {"memberships": memberships})


def operator_home(request: HttpRequest) -> HttpResponse:
    """A platform operator's home: the partnerships and what operators do (create partnerships and their first
    admins, import school data, administer accounts)."""
    return render(request, "portal/operator.html", {"partnerships": global_partnerships_overview()})


@login_required
@require_http_methods(["GET", "HEAD"])
def switch(request: HttpRequest) -> HttpResponse:
    memberships = global_memberships_for_user(user=request.user)
    if not memberships and request.user.is_staff:
        return operator_home(request)
    return render(request, "portal/switch.html", {"memberships": memberships})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation email: explains it, lets the invitee sign up or sign in, then accept."""
    try:
        invite = global_invitation_for_token(token)
    except InvitationInvalid as error:
        request.session.pop(INVITATION_SESSION_KEY, None)
        status = 404 if error.reason == "unknown" else 410
        return render(request, "portal/invitation_invalid.html", {"error": error}, status=status)
    context = {"invitation": invite, "role_description": ROLE_DESCRIPTIONS[invite.role]}
    if not request.user.is_authenticated:
        # Lets this browser sign up (accounts are by invitation), and marks the invited address as
        # verified if they sign up with it: they proved they can read its email by opening the link.
        request.session[INVITATION_SESSION_KEY] = token
        get_adapter(request).stash_verified_email(request, invite.email)
        return render(request, "portal/invitation.html", context)
    if request.method == "POST":
        try:
            membership = accept_invitation(token=token, user=request.user)
        except InvitationInvalid as error:
            status = 410 if error.reason != "wrong-user" else 403
            return render(request, "portal/invitation_invalid.html", {"error": error}, status=status)
        request.session.pop(INVITATION_SESSION_KEY, None)
        request.session["portal_partnership"] = membership.partnership.slug
        messages.success(
            request, f"You have joined {membership.partnership.name} as {membership.get_role_display()}."
        )
        return redirect(membership.partnership)
    context["email_matches"] = invite.email.lower() == request.user.email.lower()
    return render(request, "portal/invitation.html", context)


@require_http_methods(["GET", "HEAD"])
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accessibility.html")
