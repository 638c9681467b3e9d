"""The talent pool ("Rising Stars", seed 001): headteachers nominate aspiring leaders from their schools; the
steering group sees them by specialism and phase and invites one to a recruitment round. Inviting someone who is not
a member sends a portal invitation with the narrow candidate role; a member is told in the app and by email."""

from __future__ import annotations

from django.db import transaction

from alliances.models import School, Specialism
from leadership.models import Nomination, RecruitmentRound, RoundInvitation, RoundStatus
from leadership.recruitment.common import PHASE_FIELDS, designation_label, link, require, tell
from portal.accounts.models import User
from portal.audit.services import record_event
from portal.errors import DomainError, NotAllowed
from portal.formats import date_text
from portal.tenancy.models import Membership
from portal.tenancy.services import invite_candidate


@transaction.atomic
def nominate(*, actor: Membership, name: str, email: str, role_title: str, school: School,
             specialisms: list[Specialism], phases: list[str], why: str) -> Nomination:
    """A headteacher nominates someone from a school they lead. Audited (the steering group reads the pool)."""
    require(actor, "talent.nominate")
    if not actor.schools.filter(pk=school.pk).exists():
        raise NotAllowed("You can nominate people only from the schools you lead.")
    if not phases:
        raise DomainError("Choose at least one phase.", field="phases")
    nomination = Nomination.objects.create(
        partnership=actor.partnership, name=name, email=email.strip().lower(), role_title=role_title, school=school,
        why=why, nominated_by=actor.user, **{field: field in phases for field in PHASE_FIELDS})
    nomination.specialisms.set(specialisms, through_defaults={"partnership": actor.partnership})
    record_event(partnership=actor.partnership, actor=actor.user, action="nomination.created", obj=nomination,
                 new={"school": school.pk})
    return nomination


@transaction.atomic
def invite_to_round(*, actor: Membership, round_: RecruitmentRound, name: str, email: str, school: School | None,
                    nomination: Nomination | None = None) -> RoundInvitation:
    """Ask someone to apply to a published round (brokers and admins). Once per round and address. Audited; the
    invitation goes through the outbox."""
    require(actor, "recruitment.manage")
    if round_.status != RoundStatus.PUBLISHED:
        raise DomainError("Publish the round before inviting people to apply.", field="round")
    email = email.strip().lower()
    if RoundInvitation.objects.filter(round=round_, email=email).exists():
        raise DomainError(f"{email} has already been invited to {round_.title}.", field="email")
    member = Membership.objects.filter(partnership=actor.partnership, user__email__iexact=email, is_active=True).first()
    sent = None if member else invite_candidate(actor=actor, email=email)
    invited = RoundInvitation.objects.create(
        partnership=actor.partnership, round=round_, email=email, name=name, school=school, nomination=nomination,
        invitation=sent.invitation if sent else None, invited_by=actor.user)
    record_event(partnership=actor.partnership, actor=actor.user, action="round.invited", obj=round_,
                 new={"email": email, "nomination": nomination.pk if nomination else None})
    if member is not None:
        label = designation_label(actor.partnership, round_.designation)
        tell(actor.partnership, "recruitment.invited", [User.objects.get(pk=member.user_id)],
             occurrence=f"round:{round_.pk}:invited", subject=f"You are invited to apply: {round_.title}",
             lines=[f"The steering group invites you to apply to be designated {label}.",
                    f"Applications close on {date_text(round_.closes_on)}."],
             link_to=link(actor.partnership, "round", pk=round_.pk), action="Read the round and apply")
    return invited
