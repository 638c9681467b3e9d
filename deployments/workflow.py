"""The one way a request, offer, deployment or visit changes status, and who hears about it.

`move` is a compare-and-set: `UPDATE ... WHERE pk = %s AND status = <expected>`. When two people act at
once exactly one update matches a row; the other gets a clear message and nothing of theirs is
written, because every service runs it inside its transaction before writing anything else.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.audit.services import record_event
from portal.errors import Conflict
from portal.notifications.reading import settle
from portal.tenancy.models import Membership, Partnership
from portal.tenancy.roles import Role


class TransitionNotAllowed(Conflict):
    pass


NOUNS = {"supportrequest": "request", "offer": "offer", "deployment": "deployment", "visit": "visit",
         "variation": "change"}

# The notifications that ask someone to act on a row while it has a status: when the row leaves that status
# the act is done (or no longer possible), so `move` marks them read for everyone they went to. Acts that
# change no status (one side confirming an agreement, proposing for an accepted offer) call `settle` themselves.
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


def move(obj: models.Model, to: str, *, allowed: dict, actor=None, partnership: Partnership | None = None,
         note: str = "", action: str = "", expected: str | None = None, **changes) -> AuditEvent:
    """Change `obj.status` to `to` if nobody else changed it first; record who, what, when and why.

    `expected` is the status the caller saw (when `obj` is a fresher copy than the caller's): the update
    matches only if the row still has it.
    """
    model = type(obj)
    noun = NOUNS.get(model._meta.model_name, model._meta.verbose_name)
    source = expected if expected is not None else obj.status
    labels = dict(model._meta.get_field("status").choices)
    if to not in allowed.get(source, ()):
        raise TransitionNotAllowed(
            f"This {noun} is {str(labels.get(source, source)).lower()}, so it cannot become "
            f"{str(labels.get(to, to)).lower()}.")
    if any(field.name == "updated_at" for field in model._meta.concrete_fields):
        changes.setdefault("updated_at", timezone.now())
    if not model.objects.filter(pk=obj.pk, status=source).update(status=to, **changes):
        raise TransitionNotAllowed(f"Someone else changed this {noun} first. Reload the page to see what happened.")
    obj.status = to
    for key, value in changes.items():
        setattr(obj, key, value)
    user = getattr(actor, "user", actor)
    partnership = partnership or obj.partnership
    settle(partnership=partnership, subject=f"{noun}:{obj.pk}", event_types=SETTLED_BY_LEAVING.get((noun, source), ()))
    return record_event(partnership=partnership, actor=user, action=action or f"{noun}.{to}",
                        obj=obj, old={"status": source}, new={"status": to}, note=note)


def copy_state(target: models.Model, source: models.Model, *fields: str) -> None:
    """Bring the caller's copy of a row up to date with the copy a transition changed (status included):
    the one other place, besides `move`, that sets a status attribute."""
    for name in ("status", *fields):
        setattr(target, name, getattr(source, name))


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
    heads = {m.user for m in Membership.objects.filter(partnership=partnership, role=Role.HEADTEACHER, is_active=True,
                                                        schools=school).select_related("user")}
    heads.update(user for user in also if user is not None)
    return sorted(heads, key=lambda user: user.pk)


def leader_recipients(leader) -> list:
    """A system leader's account, or their email address when they have none yet."""
    if leader.user_id:
        return [leader.user]
    return [leader.email] if leader.email else []
