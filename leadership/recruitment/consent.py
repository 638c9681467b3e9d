"""Release consent after designation: a head of the leader's home school withdraws it for future deployments. The
leader's record then shows no consent (so matching leaves them out, with the reason), the withdrawal is kept with
who and when, and the steering group is told through the outbox. Deployments already agreed are not changed."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from alliances.models import SystemLeader
from leadership.models import ConsentWithdrawal
from leadership.recruitment.common import steering_group, tell
from portal.audit.services import record_event
from portal.errors import Conflict, NotAllowed
from portal.tenancy.models import Membership


def leads_home_school(actor: Membership, leader: SystemLeader) -> bool:
    return actor.can("recruitment.endorse") and actor.schools.filter(pk=leader.home_school_id).exists()


def can_withdraw_consent(actor: Membership, leader: SystemLeader) -> bool:
    return leader.has_release_consent and leads_home_school(actor, leader)


@transaction.atomic
def withdraw_consent(*, actor: Membership, leader: SystemLeader, reason: str) -> ConsentWithdrawal:
    """Withdraw release consent (a head of the leader's home school). Compare-and-set on the consent fields, so two
    heads withdrawing at once write one withdrawal. Audited; the steering group is told."""
    if not leads_home_school(actor, leader):
        raise NotAllowed("Only a headteacher of the leader's home school can withdraw release consent.")
    before = SystemLeader.objects.filter(pk=leader.pk).values_list("release_consent_by", "release_consent_on").get()
    changed = SystemLeader.objects.filter(pk=leader.pk, release_consent_by=before[0], release_consent_on=before[1],
                                          release_consent_by__gt="").update(release_consent_by="",
                                                                             release_consent_on=None)
    if not changed:
        raise Conflict("Release consent for this leader is already withdrawn.")
    withdrawal = ConsentWithdrawal.objects.create(partnership=actor.partnership, leader=leader, withdrawn_by=actor.user,
                                                  reason=reason, consent_was_by=before[0], consent_was_on=before[1])
    leader.release_consent_by, leader.release_consent_on = "", None
    record_event(partnership=actor.partnership, actor=actor.user, action="system_leader.consent_withdrawn", obj=leader,
                 old={"release_consent_by": before[0], "release_consent_on": before[1].isoformat() if before[1] else None},
                 new={"release_consent_by": "", "release_consent_on": None}, note=reason)
    tell(actor.partnership, "consent.withdrawn", steering_group(actor.partnership),
         occurrence=f"leader:{leader.pk}:consent_withdrawn:{withdrawal.pk}",
         subject=f"Release consent withdrawn for {leader.name}",
         lines=[f"{actor.user.get_full_name()}, headteacher of {leader.home_school.name}, has withdrawn consent to "
                f"release {leader.name} for future deployments.",
                "Matching leaves them out until consent is given again. Deployments already agreed are not changed."],
         note=reason, note_label="Their reason",
         link_to=reverse("alliances:leader", kwargs={"partnership_slug": actor.partnership.slug, "pk": leader.pk}),
         action="See the system leader")
    return withdrawal


def can_give_consent(actor: Membership, leader: SystemLeader) -> bool:
    return not leader.has_release_consent and leads_home_school(actor, leader)


@transaction.atomic
def give_consent(*, actor: Membership, leader: SystemLeader, today) -> None:
    """A head of the leader's home school gives release consent again (after withdrawing it, or where none was ever
    recorded): the leader's record names them and the date, so matching includes the leader again. Audited; the
    steering group is told."""
    if not leads_home_school(actor, leader):
        raise NotAllowed("Only a headteacher of the leader's home school can give release consent.")
    name = (actor.user.get_full_name() or actor.user.email)[:150]
    if not SystemLeader.objects.filter(pk=leader.pk, release_consent_by="").update(release_consent_by=name,
                                                                                  release_consent_on=today):
        raise Conflict(f"Release consent for {leader.name} is already given.")
    leader.release_consent_by, leader.release_consent_on = name, today
    record_event(partnership=actor.partnership, actor=actor.user, action="system_leader.consent_given", obj=leader,
                 new={"release_consent_by": name, "release_consent_on": today.isoformat()})
    tell(actor.partnership, "consent.given", steering_group(actor.partnership),
         occurrence=f"leader:{leader.pk}:consent_given:{today.isoformat()}",
         subject=f"Release consent given for {leader.name}",
         lines=[f"{actor.user.get_full_name()}, headteacher of {leader.home_school.name}, has given consent to release "
                f"{leader.name} for deployments. Matching includes them again."],
         link_to=reverse("alliances:leader", kwargs={"partnership_slug": actor.partnership.slug, "pk": leader.pk}),
         action="See the system leader")


def withdrawals(leader: SystemLeader) -> list[ConsentWithdrawal]:
    return list(ConsentWithdrawal.objects.filter(leader=leader).select_related("withdrawn_by"))
