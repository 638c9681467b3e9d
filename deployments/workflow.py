"""How the brokerage's rows change status (through portal.workflow's `move`), and who hears about it."""

from __future__ import annotations

from django.urls import reverse

from portal.tenancy.models import Membership, Partnership
from portal.tenancy.roles import Role
from portal.tenancy.selectors import heads_of_schools
from portal.workflow import TransitionNotAllowed, copy_state, move, register_workflow

# Re-exported: the brokerage's services import the transition helper from here.
__all__ = ["NOUNS", "SETTLED_BY_LEAVING", "TransitionNotAllowed", "copy_state", "move"]

NOUNS = {"supportrequest": "request", "offer": "offer", "deployment": "deployment", "visit": "visit",
         "variation": "change"}

# The notifications that ask someone to act on a row while it has a status (see portal.workflow).
SETTLED_BY_LEAVING: dict[tuple[str, str], tuple[str, ...]] = {
    ("request", "submitted"): ("request.submitted",),
    ("offer", "open"): ("offer.made", "offer.reminder"),
    ("offer", "accepted"): ("offer.accepted",),
    ("deployment", "proposed"): ("deployment.proposed", "deployment.approval_reminder"),
    ("deployment", "approved"): ("deployment.decided",),  # approved: asks both sides to confirm the agreement
    ("visit", "logged"): ("visit.logged",),
    ("visit", "disputed"): ("visit.answered",),
    ("review", "due"): ("review.reminder", "review.overdue", "review.answered"),
    ("review", "submitted"): ("review.submitted",),
}
register_workflow(nouns=NOUNS, settled_by_leaving=SETTLED_BY_LEAVING)


def tenant_url(partnership: Partnership, name: str, **kwargs) -> str:
    """The address of a page inside the partnership: `name` is a brokerage page's name, or namespaced
    ("alliances:leader") for another app's."""
    view = name if ":" in name else f"deployments:{name}"
    return reverse(view, kwargs={"partnership_slug": partnership.slug, **kwargs})


def is_head_of(actor: Membership, school_id: str) -> bool:
    """The member is a headteacher linked to this school."""
    return actor.can("requests.create") and actor.schools.filter(pk=school_id).exists()


def is_leader_of(actor: Membership, deployment) -> bool:
    """The member is the system leader the deployment is for."""
    return actor.can("visits.log") and deployment.leader.user_id == actor.user_id


def four_eyes_blocks(actor: Membership, proposed_by_id: int | None) -> bool:
    """The partnership wants a second pair of eyes and this member proposed what is to be decided (a deployment, or
    a change to one): the one rule both approvals follow."""
    return bool(actor.partnership.four_eyes_approval and proposed_by_id == actor.user_id)


def members_with_role(partnership, role: str, *, exclude_user_id: int | None = None) -> list:
    members = Membership.objects.filter(partnership=partnership, role=role, is_active=True).select_related("user")
    return [m.user for m in members if m.user_id != exclude_user_id]


def brokers_for(request) -> list:
    """The request's own broker while they are active, otherwise every active broker."""
    if request.assigned_broker_id and Membership.objects.filter(
            partnership_id=request.partnership_id, user_id=request.assigned_broker_id, role=Role.BROKER,
            is_active=True).exists():
        return [request.assigned_broker]
    return members_with_role(request.partnership, Role.BROKER)


def heads_of(partnership, school, *also) -> list:
    """Everyone who leads `school` in this partnership (and any extra users given), once each."""
    heads = set(heads_of_schools(partnership, [school]))
    heads.update(user for user in also if user is not None)
    return sorted(heads, key=lambda user: user.pk)


def leader_recipients(leader) -> list:
    """A system leader's account, or their email address when they have none yet."""
    if leader.user_id:
        return [leader.user]
    return [leader.email] if leader.email else []
