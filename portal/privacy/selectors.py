"""Finding the person a request is about."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from portal.accounts.models import User
from portal.tenancy.models import Membership, Partnership

MOST_FOUND = 50


def _matches(query: str, prefix: str = "") -> Q:
    return Q(**{f"{prefix}email__icontains": query}) | Q(**{f"{prefix}name__icontains": query})


def global_find_people(*, query: str) -> QuerySet[User]:
    """Accounts on the whole platform whose name or address contains `query` (platform operators)."""
    return User.objects.filter(_matches(query)).order_by("email")[:MOST_FOUND]


def find_members(*, partnership: Partnership, query: str) -> QuerySet[Membership]:
    """The partnership's members, current and past, whose name or address contains `query`."""
    return (Membership.objects.filter(_matches(query, "user__"), partnership=partnership)
            .select_related("user").order_by("user__email")[:MOST_FOUND])


def global_memberships_of(*, person: User) -> QuerySet[Membership]:
    """Every partnership the person belongs or belonged to (platform operators)."""
    return (Membership._base_manager.filter(user=person).select_related("partnership")
            .order_by("partnership__name"))
