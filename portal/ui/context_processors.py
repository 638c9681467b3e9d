from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from portal.notifications.selectors import unread_count
from portal.tenancy.models import Membership
from portal.tenancy.rls import cross_partnership
from portal.ui.navigation import navigation_for


def portal(request: HttpRequest) -> dict:
    """What the layout needs: the partnership, navigation by role, unread count, switcher.

    Inside a partnership this costs two queries (unread count, other memberships), whatever the data size.
    """
    context = {"site_name": settings.SITE_NAME, "partnership": None, "membership": None}
    membership = getattr(request, "membership", None)
    if membership is None:
        return context
    with cross_partnership("the signed-in user's other memberships, for the switcher", quiet=True):
        several = (
            Membership.objects.filter(user=request.user, is_active=True, partnership__is_active=True)
            .exclude(pk=membership.pk)
            .exists()
        )
    context.update(
        partnership=membership.partnership,
        membership=membership,
        navigation=navigation_for(request, membership),
        unread_count=unread_count(partnership=membership.partnership, user=request.user),
        can_switch=several,
    )
    return context
