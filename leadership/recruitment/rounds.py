"""Recruitment rounds: the steering group writes a round (designation, criteria, specialisms and phases sought,
open and close dates), names its panel and publishes it to members. Brokers and admins manage rounds."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from alliances.models import Specialism
from leadership.models import Application, Criterion, PanelMember, RecruitmentRound, RoundStatus, Score
from leadership.recruitment.common import PHASE_FIELDS, require
from portal.audit.services import record_event
from portal.errors import DomainError
from portal.tenancy.models import Membership
from portal.workflow import move

ROUND_MOVES = {RoundStatus.DRAFT: (RoundStatus.PUBLISHED,)}


def can_manage(actor: Membership) -> bool:
    return actor.can("recruitment.manage")


def can_edit_round(actor: Membership, round_: RecruitmentRound) -> bool:
    return can_manage(actor) and round_.status == RoundStatus.DRAFT


def _check(actor: Membership, *, designation: str, opens_on: date, closes_on: date, criteria: list[tuple[str, str]]):
    labels = actor.partnership.designation_labels
    if designation not in labels:
        raise DomainError(f"Choose one of this partnership's designations ({', '.join(labels)}).", field="designation")
    if closes_on < opens_on:
        raise DomainError("The closing date must be on or after the opening date.", field="closes_on")
    if not criteria:
        raise DomainError("Write at least one criterion: candidates give evidence against each.", field="criteria")


@transaction.atomic
def save_round(*, actor: Membership, round_: RecruitmentRound | None = None, designation: str, title: str,
               description: str, opens_on: date, closes_on: date, criteria: list[tuple[str, str]],
               specialisms: list[Specialism], phases: list[str]) -> RecruitmentRound:
    """Create or change a draft round (brokers and admins). Its criteria are replaced by `criteria` (title,
    guidance) in order. Audited."""
    require(actor, "recruitment.manage")
    _check(actor, designation=designation, opens_on=opens_on, closes_on=closes_on, criteria=criteria)
    partnership = actor.partnership
    values = {"designation": designation, "title": title, "description": description, "opens_on": opens_on,
              "closes_on": closes_on, **{field: field in phases for field in PHASE_FIELDS}}
    if round_ is None:
        round_ = RecruitmentRound.objects.create(partnership=partnership, created_by=actor.user, **values)
        action = "round.created"
    else:
        round_ = RecruitmentRound.objects.select_for_update().get(pk=round_.pk)
        if round_.status != RoundStatus.DRAFT:
            raise DomainError("This round is published, so its criteria and dates can no longer change.")
        for key, value in values.items():
            setattr(round_, key, value)
        round_.save()
        action = "round.updated"
    Criterion.objects.filter(round=round_).delete()
    Criterion.objects.bulk_create([Criterion(partnership=partnership, round=round_, position=index, title=title_,
                                             guidance=guidance) for index, (title_, guidance) in enumerate(criteria)])
    round_.specialisms.set(specialisms, through_defaults={"partnership": partnership})
    record_event(partnership=partnership, actor=actor.user, action=action, obj=round_,
                 new={"designation": designation, "title": title, "opens_on": opens_on.isoformat(),
                      "closes_on": closes_on.isoformat(), "criteria": [c[0] for c in criteria]})
    return round_


@transaction.atomic
def set_panel(*, actor: Membership, round_: RecruitmentRound, members: list[Membership]) -> None:
    """Name the round's panel: steering group members (brokers and approvers) of the partnership. A member who has
    already scored stays on the panel. Audited."""
    require(actor, "recruitment.manage")
    if any(not member.can("recruitment.panel") or member.partnership_id != actor.partnership_id for member in members):
        raise DomainError("Only the steering group's brokers and approvers can sit on a panel.", field="members")
    if len(members) < 2 and actor.partnership.panel_four_eyes:
        raise DomainError("Four-eyes decisions are on, so the panel needs at least two members.", field="members")
    wanted = {member.user_id for member in members}
    current = set(PanelMember.objects.filter(round=round_).values_list("user_id", flat=True))
    scored = set(round_scorers(round_))
    if (current - wanted) & scored:
        raise DomainError("A panel member who has scored applications cannot be taken off the panel.", field="members")
    PanelMember.objects.filter(round=round_, user_id__in=current - wanted).delete()
    PanelMember.objects.bulk_create([PanelMember(partnership=actor.partnership, round=round_, user_id=user_id)
                                     for user_id in sorted(wanted - current)])
    record_event(partnership=actor.partnership, actor=actor.user, action="round.panel_set", obj=round_,
                 old={"panel": sorted(current)}, new={"panel": sorted(wanted)})


def round_scorers(round_: RecruitmentRound) -> list[int]:
    return list(Score.objects.filter(application__round=round_).values_list("scorer_id", flat=True).distinct())


@transaction.atomic
def publish_round(*, actor: Membership, round_: RecruitmentRound) -> None:
    """Publish a draft round so members see it and can apply (it needs a panel first). Audited."""
    require(actor, "recruitment.manage")
    needed = 2 if actor.partnership.panel_four_eyes else 1
    if PanelMember.objects.filter(round=round_).count() < needed:
        raise DomainError(f"Choose the panel first: at least {needed} member{'s' if needed > 1 else ''}.")
    move(round_, RoundStatus.PUBLISHED, allowed=ROUND_MOVES, actor=actor, published_at=timezone.now())


def applications_count(round_: RecruitmentRound) -> int:
    return Application.objects.filter(round=round_).count()
