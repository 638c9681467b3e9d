from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django_scopes import scope

from portal.accounts.models import User
from portal.notifications.selectors import unread
from portal.queues import Total
from portal.tenancy.models import Invitation, Membership, Partnership
from portal.tenancy.rls import cross_partnership
from portal.tenancy.roles import Role


def each_active_partnership(reason: str, *, quiet: bool = False) -> Iterator[Partnership]:
    """Every active partnership in turn, by id, each inside its own scope: how a daily job visits them all
    (`reason` names the job in the cross-partnership log line)."""
    with cross_partnership(reason, quiet=quiet):
        partnerships = list(Partnership.objects.filter(is_active=True).order_by("pk"))
    for partnership in partnerships:
        with scope(partnership=partnership):
            yield partnership


def active_members(partnership: Partnership, *roles: str) -> list[User]:
    """The users holding any of `roles` in the partnership, active, once each, by id: whom a notification goes to."""
    members = Membership.objects.filter(partnership=partnership, role__in=roles, is_active=True).select_related("user")
    return sorted({member.user for member in members}, key=lambda user: user.pk)


def heads_of_schools(partnership: Partnership, schools) -> list[User]:
    """The active headteachers who lead any of `schools` (URNs, rows or a subquery of them), once each, by id."""
    members = Membership.objects.filter(partnership=partnership, role=Role.HEADTEACHER, is_active=True,
                                        schools__in=schools).select_related("user")
    return sorted({member.user for member in members}, key=lambda user: user.pk)


def global_memberships_for_user(*, user: User) -> list[Membership]:
    """The user's active memberships in every active partnership (for sign-in and the switcher)."""
    if not user.is_authenticated:
        return []
    with cross_partnership("the signed-in user's memberships", quiet=True):
        return list(
            Membership.objects.filter(user=user, is_active=True, partnership__is_active=True)
            .select_related("partnership")
            .order_by("partnership__name")
        )


def global_partnerships_overview(*, limit: int = 100) -> list[Partnership]:
    """Every partnership with its number of active members, for platform operators (one query)."""
    with cross_partnership("platform overview of every partnership"):
        members = (Membership.objects.filter(partnership=OuterRef("pk"), is_active=True).order_by()
                   .values("partnership").annotate(n=Count("pk")).values("n"))
        return list(Partnership.objects.annotate(members=Coalesce(Subquery(members), 0)).order_by("name")[:limit])


def global_membership_for(*, user: User, slug: str) -> Membership | None:
    """The user's active membership in the partnership with `slug`, or None (which the caller turns into 404).

    It carries what the layout shows on every page, read in the same statement: `has_other_memberships` (the
    "Switch partnership" link: another active membership in an active partnership) and `unread_notifications`
    (the menu's badge: the member's own unread notifications in this membership's partnership, exactly the rows
    row-level security shows them inside it; `portal.ui.context_processors` counts again if the request wrote)."""
    with cross_partnership("the signed-in user's membership of the partnership in the address", quiet=True):
        others = Membership.objects.filter(user=OuterRef("user"), is_active=True, partnership__is_active=True).exclude(
            pk=OuterRef("pk"))
        mine_unread = unread(partnership=OuterRef("partnership"), user=OuterRef("user"))
        return (
            Membership.objects.filter(
                user=user, is_active=True, partnership__slug=slug, partnership__is_active=True
            )
            .select_related("partnership", "user")
            .annotate(has_other_memberships=Exists(others), unread_notifications=Total(mine_unread))
            .first()
        )


def members(*, partnership: Partnership) -> QuerySet[Membership]:
    return Membership.objects.filter(partnership=partnership).select_related("user").order_by("-is_active", "user__email")


def invitations(*, partnership: Partnership) -> QuerySet[Invitation]:
    return Invitation.objects.filter(partnership=partnership, accepted_at__isnull=True).select_related("invited_by")
