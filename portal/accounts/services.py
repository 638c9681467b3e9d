from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django_scopes import scope

from portal.accounts.models import User
from portal.audit.services import record_event
from portal.tenancy.selectors import global_memberships_for_user


@transaction.atomic
def deactivate_user(*, user: User, actor: User | None = None, note: str = "") -> None:
    """Stop a person signing in anywhere and end every session they have, at once.

    Bumping `session_generation` changes the session hash Django checks on each request, so every
    existing session is rejected whatever backend stores it. Audited in each of their partnerships.
    """
    memberships = global_memberships_for_user(user=user)
    User.objects.filter(pk=user.pk).update(is_active=False, session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["is_active", "session_generation"])
    for membership in memberships:
        with scope(partnership=membership.partnership):
            record_event(
                partnership=membership.partnership, actor=actor, action="user.deactivated", obj=user,
                old={"is_active": True}, new={"is_active": False}, note=note,
            )
