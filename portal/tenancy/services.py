"""Memberships and invitations: every change is guarded, audited and notified in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from portal.accounts.models import User
from portal.audit.services import record_event
from portal.errors import Conflict, DomainError, NotAllowed
from portal.formats import date_text
from portal.notifications.services import notify
from portal.tenancy.models import Invitation, Membership, Partnership, hash_token, new_token
from portal.tenancy.rls import cross_partnership
from portal.tenancy.roles import ROLE_DESCRIPTIONS, Role


class InvitationInvalid(DomainError):
    """The link cannot be used. `reason` is one of: unknown, expired, used, withdrawn, inactive."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


def _require(membership: Membership, capability: str) -> None:
    if not membership.can(capability):
        raise NotAllowed("Your role does not let you do that. Ask a partnership admin if you need to.")


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    token: str


@transaction.atomic
def invite_member(*, actor: Membership, email: str, role: str, schools=(), local_authorities=()) -> SentInvitation:
    """Invite `email` to the actor's partnership with `role` (admins only), naming the schools a headteacher
    leads or the LAs an LA officer oversees; accepting links the new member to them.

    Refuses an address that is already an active member, and schools or LAs for a role that has none;
    withdraws any earlier waiting invitation for the same address. Writes an audit event and the
    invitation email to the outbox.
    """
    _require(actor, "members.manage")
    if schools and role != Role.HEADTEACHER:
        raise DomainError("Only headteachers lead schools. Clear the schools, or choose Headteacher.")
    if local_authorities and role != Role.LA_OFFICER:
        raise DomainError("Only LA officers oversee local authorities. Clear them, or choose LA officer.")
    sent = _invite(partnership=actor.partnership, email=email, role=role, inviter=actor.user,
                   links={"schools": [s.pk for s in schools], "local_authorities": [la.pk for la in local_authorities]})
    sent.invitation.schools.set(schools)
    sent.invitation.local_authorities.set(local_authorities)
    return sent


@transaction.atomic
def invite_candidate(*, actor: Membership, email: str) -> SentInvitation:
    """Invite someone to apply to a recruitment round, with the narrow candidate role (the steering group's
    recruiters, not only admins, may: capability recruitment.manage). Same rules and side effects as invite_member."""
    _require(actor, "recruitment.manage")
    return _invite(partnership=actor.partnership, email=email, role=Role.CANDIDATE, inviter=actor.user)


def invite_participant(*, partnership: Partnership, email: str, inviter: User) -> SentInvitation | None:
    """Invite someone accepted onto a programme to a participant account, unless already a member or invited."""
    if (Membership.objects.filter(partnership=partnership, user__email__iexact=email.strip(), is_active=True).exists()
            or Invitation.objects.filter(partnership=partnership, email__iexact=email.strip()).pending().exists()):
        return None
    return _invite(partnership=partnership, email=email, role=Role.PARTICIPANT, inviter=inviter)


@transaction.atomic
def global_invite_first_admin(*, partnership: Partnership, email: str, operator: User) -> SentInvitation:
    """A platform operator invites a partnership's first admin (Django admin); no membership needed."""
    if not operator.is_staff:
        raise NotAllowed("Only platform operators can invite a partnership's first admin.")
    with scope(partnership=partnership):
        return _invite(partnership=partnership, email=email, role=Role.ADMIN, inviter=operator)


def _invite(*, partnership: Partnership, email: str, role: str, inviter: User, links: dict | None = None) -> SentInvitation:
    email = email.strip().lower()
    role = Role(role)
    if Membership.objects.filter(partnership=partnership, user__email__iexact=email, is_active=True).exists():
        raise DomainError(f"{email} is already a member of {partnership.name}. Change their role instead.")
    now = timezone.now()
    Invitation.objects.filter(partnership=partnership, email__iexact=email).pending().update(revoked_at=now)
    token = new_token()
    invitation = Invitation.objects.create(
        partnership=partnership,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=inviter,
        expires_at=now + settings.INVITATION_VALID_FOR,
    )
    record_event(
        partnership=partnership, actor=inviter, action="invitation.sent", obj=invitation,
        new={"email": email, "role": role.value, **{k: v for k, v in (links or {}).items() if v}},
    )
    notify(
        partnership=partnership,
        event_type="invitation.sent",
        recipients=[email],
        occurrence=f"invitation:{invitation.pk}",
        context={
            "inviter_name": inviter.get_full_name(),
            "role_label": role.label,
            "role_description": ROLE_DESCRIPTIONS[role],
            "expires_on": date_text(invitation.expires_at),
        },
        link=reverse("invitation", kwargs={"token": token}),
    )
    return SentInvitation(invitation=invitation, token=token)


@transaction.atomic
def revoke_invitation(*, actor: Membership, invitation: Invitation) -> None:
    """Withdraw a waiting invitation so its link stops working (admins only)."""
    _require(actor, "members.manage")
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not updated:
        raise Conflict("That invitation has already been accepted or withdrawn.")
    record_event(partnership=actor.partnership, actor=actor.user, action="invitation.withdrawn", obj=invitation)


def global_invitation_for_token(token: str) -> Invitation:
    """Find the invitation a link names, across partnerships (the invitee is not yet a member anywhere)."""
    with cross_partnership("an invitation link names its partnership"):
        invitation = (
            Invitation.objects.select_related("partnership", "invited_by").filter(token_hash=hash_token(token)).first()
        )
    if invitation is None:
        raise InvitationInvalid(
            "This invitation link is not valid. Check you copied the whole link from the email.", reason="unknown"
        )
    if not invitation.partnership.is_active:
        raise InvitationInvalid("This partnership no longer uses the portal.", reason="inactive")
    if invitation.accepted_at:
        raise InvitationInvalid("This invitation has already been used.", reason="used")
    if invitation.revoked_at:
        raise InvitationInvalid("This invitation was withdrawn by the partnership.", reason="withdrawn")
    if invitation.is_expired:
        raise InvitationInvalid("This invitation has expired.", reason="expired")
    return invitation


def accept_invitation(*, token: str, user: User) -> Membership:
    """Join the partnership an invitation names, once. The signed-in user's email must match it.

    Compare-and-set on the invitation makes the link single-use even when it is opened twice at
    once. An existing membership is reactivated with the invited role.
    """
    invitation = global_invitation_for_token(token)
    if invitation.email.lower() != user.email.lower():
        raise InvitationInvalid(
            f"This invitation was sent to a different email address from the one you are signed in with "
            f"({user.email}). Sign out, then open the link again and sign in or create an account with the "
            f"address the invitation was sent to.",
            reason="wrong-user",
        )
    partnership = invitation.partnership
    with scope(partnership=partnership), transaction.atomic():
        now = timezone.now()
        claimed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(accepted_at=now, accepted_by=user)
        if not claimed:
            raise InvitationInvalid("This invitation has already been used.", reason="used")
        membership = Membership.objects.select_for_update().filter(partnership=partnership, user=user).first()
        old = {}
        if membership is None:
            membership = Membership.objects.create(partnership=partnership, user=user, role=invitation.role)
        else:
            old = {"role": membership.role, "is_active": membership.is_active}
            membership.role = invitation.role
            membership.is_active = True
            membership.deactivated_at = None
            membership.save(update_fields=["role", "is_active", "deactivated_at"])
        links = _link_invited(membership, invitation)
        record_event(
            partnership=partnership, actor=user, action="membership.joined", obj=membership,
            old=old, new={"role": membership.role, "is_active": True, **links}, note=f"Invitation {invitation.pk}",
        )
        home = reverse("tenant:home", kwargs={"partnership_slug": partnership.slug})
        notify(
            partnership=partnership,
            event_type="membership.joined",
            recipients=[user],
            occurrence=f"invitation:{invitation.pk}",
            context={"role_label": membership.get_role_display(), "role_description": ROLE_DESCRIPTIONS[membership.role]},
            link=home,
        )
        if invitation.invited_by and invitation.invited_by != user:
            notify(
                partnership=partnership,
                event_type="invitation.accepted",
                recipients=[invitation.invited_by],
                occurrence=f"invitation:{invitation.pk}",
                context={"member_name": user.get_full_name(), "role_label": membership.get_role_display()},
                link=reverse("tenant:members", kwargs={"partnership_slug": partnership.slug}),
            )
    return membership


def _link_invited(membership: Membership, invitation: Invitation) -> dict:
    """Link a member who accepted to the schools and LAs their invitation names (added to any they had)."""
    schools = list(invitation.schools.values_list("pk", flat=True))
    authorities = list(invitation.local_authorities.values_list("pk", flat=True))
    if schools:
        membership.schools.add(*schools)
    if authorities:
        membership.local_authorities.add(*authorities)
    return {k: v for k, v in (("schools", schools), ("local_authorities", authorities)) if v}


def _lock_admins(actor: Membership) -> dict[int, Membership]:
    """Lock every active admin of the partnership (in id order, so two admins cannot deadlock) and
    check the actor is still one of them: a role change racing another must see the latest state."""
    admins = {
        m.pk: m
        for m in Membership.objects.select_for_update()
        .filter(partnership=actor.partnership, role=Role.ADMIN, is_active=True)
        .order_by("pk")
    }
    if actor.pk not in admins:
        raise NotAllowed("You are no longer an admin of this partnership.")
    return admins


def _last_admin_guard(membership: Membership, admins: dict[int, Membership]) -> None:
    if membership.pk in admins and len(admins) <= 1:
        raise DomainError("A partnership needs at least one active admin. Make someone else an admin first.")


@transaction.atomic
def change_role(*, actor: Membership, membership: Membership, role: str) -> Membership:
    """Give a member a different role (admins only). Never leaves the partnership without an admin."""
    _require(actor, "members.manage")
    role = Role(role)
    admins = _lock_admins(actor)
    current = Membership.objects.select_for_update().get(pk=membership.pk)
    if current.role == role:
        return current
    if not current.is_active:
        raise DomainError("This membership is deactivated. Reactivate it before changing the role.")
    _last_admin_guard(current, admins)
    old_role = current.role
    current.role = role
    current.save(update_fields=["role"])
    event = record_event(
        partnership=actor.partnership, actor=actor.user, action="membership.role_changed", obj=current,
        old={"role": old_role}, new={"role": role.value},
    )
    notify(
        partnership=actor.partnership,
        event_type="membership.role_changed",
        recipients=[current.user],
        occurrence=f"audit:{event.pk}",
        context={
            "old_role_label": Role(old_role).label,
            "role_label": role.label,
            "role_description": ROLE_DESCRIPTIONS[role],
            "actor_name": actor.user.get_full_name(),
        },
        link=reverse("tenant:home", kwargs={"partnership_slug": actor.partnership.slug}),
    )
    return current


@transaction.atomic
def deactivate_membership(*, actor: Membership, membership: Membership, reason: str = "") -> Membership:
    """Remove a member's access to this partnership (admins only); their history stays."""
    _require(actor, "members.manage")
    admins = _lock_admins(actor)
    current = Membership.objects.select_for_update().get(pk=membership.pk)
    if not current.is_active:
        raise Conflict("This membership is already deactivated.")
    if current.pk == actor.pk:
        raise DomainError("You cannot deactivate your own membership. Ask another admin.")
    _last_admin_guard(current, admins)
    current.is_active = False
    current.deactivated_at = timezone.now()
    current.save(update_fields=["is_active", "deactivated_at"])
    event = record_event(
        partnership=actor.partnership, actor=actor.user, action="membership.deactivated", obj=current,
        old={"is_active": True}, new={"is_active": False}, note=reason,
    )
    notify(
        partnership=actor.partnership,
        event_type="membership.deactivated",
        recipients=[current.user],
        occurrence=f"audit:{event.pk}",
        context={"actor_name": actor.user.get_full_name()},
    )
    return current


@transaction.atomic
def reactivate_membership(*, actor: Membership, membership: Membership) -> Membership:
    """Give a deactivated member their access back, with the role they had (admins only)."""
    _require(actor, "members.manage")
    updated = Membership.objects.filter(pk=membership.pk, is_active=False).update(is_active=True, deactivated_at=None)
    if not updated:
        raise Conflict("This membership is already active.")
    record_event(
        partnership=actor.partnership, actor=actor.user, action="membership.reactivated", obj=membership,
        old={"is_active": False}, new={"is_active": True},
    )
    membership.refresh_from_db()
    return membership


def create_partnership(*, name: str, slug: str, admin: User | None = None, **fields) -> Partnership:
    """Platform operators create partnerships (Django admin, demo data); the first admin is optional."""
    with transaction.atomic():
        partnership = Partnership.objects.create(name=name, slug=slug, **fields)
        if admin is not None:
            with scope(partnership=partnership):
                membership = Membership.objects.create(partnership=partnership, user=admin, role=Role.ADMIN)
                record_event(partnership=partnership, action="membership.created", obj=membership,
                             new={"role": Role.ADMIN.value})
    return partnership


SETTINGS_FIELDS = (
    "designation_labels", "alliance_label", "four_eyes_approval", "variation_approval", "offer_expiry_days",
    "review_due_school_days", "member_day_rate", "non_member_day_rate", "panel_four_eyes", "designation_review_years",
    "overdue_leaders_in_matching", "contact_email",
)


@transaction.atomic
def update_partnership_settings(*, actor: Membership, changes: dict) -> Partnership:
    """Save the partnership's labels and rules (admins only); the audit event lists what changed."""
    _require(actor, "settings.manage")
    partnership = Partnership.objects.select_for_update().get(pk=actor.partnership_id)
    old, new = {}, {}
    for field, value in changes.items():
        if field not in SETTINGS_FIELDS:
            raise ValueError(f"{field} is not a partnership setting.")
        if getattr(partnership, field) != value:
            old[field] = _json_value(getattr(partnership, field))
            new[field] = _json_value(value)
            setattr(partnership, field, value)
    if new:
        partnership.save(update_fields=list(new))
        record_event(partnership=partnership, actor=actor.user, action="partnership.settings_changed",
                     obj=partnership, old=old, new=new)
    return partnership


def _json_value(value):
    return str(value) if isinstance(value, Decimal) else value


@transaction.atomic
def set_member_links(*, actor: Membership, membership: Membership, schools: list, local_authorities: list) -> Membership:
    """Which schools a headteacher leads and which LAs an LA officer oversees (admins only). Audited."""
    _require(actor, "members.manage")
    current = Membership.objects.select_for_update().get(pk=membership.pk)
    old_schools = sorted(current.schools.values_list("pk", flat=True))
    old_las = sorted(current.local_authorities.values_list("pk", flat=True))
    new_schools = sorted(s.pk for s in schools)
    new_las = sorted(la.pk for la in local_authorities)
    old, new = {}, {}
    if old_schools != new_schools:
        current.schools.set(schools)
        old["schools"], new["schools"] = old_schools, new_schools
    if old_las != new_las:
        current.local_authorities.set(local_authorities)
        old["local_authorities"], new["local_authorities"] = old_las, new_las
    if new:
        record_event(partnership=actor.partnership, actor=actor.user, action="membership.links_changed", obj=current,
                     old=old, new=new)
    return current


def note_home_visit(*, membership: Membership, session, every: timedelta = timedelta(minutes=1)) -> datetime | None:
    """When the member last opened their home page before this session (None the first time), for "since your last
    visit"; it holds for the session, so a reload does not empty the list. Records this visit unless the record is
    under `every` old (no UPDATE on a quick reload; a marker, no audit event), so a later session's "since" may
    start up to `every` before the true last visit: a change may show twice, none is missed."""
    key = f"home_since:{membership.pk}"
    session.setdefault(key, membership.home_seen_at.isoformat() if membership.home_seen_at else "")
    if membership.home_seen_at is None or timezone.now() - membership.home_seen_at >= every:
        membership.home_seen_at = timezone.now()
        Membership.objects.filter(pk=membership.pk).update(home_seen_at=membership.home_seen_at)
    return datetime.fromisoformat(session[key]) if session[key] else None
