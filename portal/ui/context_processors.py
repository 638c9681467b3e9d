from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from portal.notifications.selectors import unread_count
from portal.tenancy.models import Membership
from portal.tenancy.rls import cross_partnership
from portal.ui.navigation import navigation_for


def _has_other_memberships(request: HttpRequest, membership: Membership) -> bool:
    """Whether the switcher shows: read with the membership by the middleware, or here (one query) otherwise."""
    known = getattr(membership, "has_other_memberships", None)
    if known is not None:
        return known
    with cross_partnership("the signed-in user's other memberships, for the switcher", quiet=True):
        return (
            Membership.objects.filter(user=request.user, is_active=True, partnership__is_active=True)
            .exclude(pk=membership.pk)
            .exists()
        )


class _Unread:
    """The unread count, when the layout first shows it (a template calls it), at most once a render.

    The middleware read it with the membership (`global_membership_for`); when the request has written to the
    database since (`request.portal_wrote`: it may have marked notifications read or sent some), or the membership
    came from elsewhere, it is counted here (one query). A view that already knows it passes `unread_count` in its
    own context, which the template finds first."""

    def __init__(self, request: HttpRequest, membership: Membership):
        self.request, self.membership, self.value = request, membership, None

    def __call__(self) -> int:
        if self.value is None:
            known = getattr(self.membership, "unread_notifications", None)
            if known is not None and getattr(self.request, "portal_wrote", True) is False:
                self.value = known
            else:
                self.value = unread_count(partnership=self.membership.partnership, user=self.request.user)
        return self.value


def portal(request: HttpRequest) -> dict:
    """What the layout needs: the partnership, navigation by role, unread count, switcher.

    Inside a partnership this costs no query of its own: the switcher's question and the unread count come with
    the membership (`global_membership_for`); the count is read again (one query) if the request wrote.
    """
    context = {"site_name": settings.SITE_NAME, "partnership": None, "membership": None}
    membership = getattr(request, "membership", None)
    if membership is None:
        return context
    context.update(
        partnership=membership.partnership,
        membership=membership,
        navigation=navigation_for(request, membership),
        unread_count=_Unread(request, membership),
        can_switch=_has_other_memberships(request, membership),
    )
    return context
