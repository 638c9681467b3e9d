"""The panel: each member scores every criterion of an endorsed application on their own; nobody sees another
member's scores until every member has scored (candidates never see scores). Then one decision, with a rationale
and feedback for the candidate: made by one panel member, or (with the partnership's four-eyes setting on) proposed
by one and confirmed by a different one. Exactly one decision is ever made: each step is a compare-and-set on the
application's status, so of two members acting at once one wins and the other is told.

endorsed -> designated | not designated; with four-eyes: endorsed -> proposed -> designated | not designated, or
back to endorsed when the second member does not agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from alliances.models import SystemLeader
from leadership.models import (
    Application,
    ApplicationStatus,
    Criterion,
    Outcome,
    PanelMember,
    Score,
)
from leadership.recruitment.applications import APPLICATION_MOVES, is_panel_member
from leadership.recruitment.common import link, tell
from leadership.recruitment.designation import designate
from portal.audit.services import record_event
from portal.errors import DomainError, NotAllowed
from portal.tenancy.models import Membership
from portal.workflow import move


@dataclass(frozen=True)
class Progress:
    """How far the panel's scoring of one application has got."""

    panel: int
    criteria: int
    scored: int  # panel members who have scored every criterion
    mine: bool  # the viewer has scored every criterion

    @property
    def complete(self) -> bool:
        return self.panel > 0 and self.scored == self.panel


def progress(application: Application, user) -> Progress:
    """Two queries: the panel and criteria counts, and each scorer's number of scores."""
    panel = PanelMember.objects.filter(round_id=application.round_id).count()
    criteria = Criterion.objects.filter(round_id=application.round_id).count()
    per_scorer = dict(Score.objects.filter(application=application).values("scorer_id")
                      .annotate(n=Count("pk")).values_list("scorer_id", "n"))
    done = {scorer for scorer, n in per_scorer.items() if criteria and n >= criteria}
    panel_ids = set(PanelMember.objects.filter(round_id=application.round_id).values_list("user_id", flat=True))
    return Progress(panel=panel, criteria=criteria, scored=len(done & panel_ids), mine=user.pk in done)


def can_score(actor: Membership, application: Application, state: Progress) -> bool:
    return (application.status == ApplicationStatus.ENDORSED and not state.complete
            and is_panel_member(actor, application.round_id))


def can_see_all_scores(actor: Membership, application: Application, state: Progress) -> bool:
    """The panel's scores, once all are in, for panel members and the steering group's managers; never the candidate."""
    if application.candidate_id == actor.user_id or not state.complete:
        return False
    return is_panel_member(actor, application.round_id) or actor.can("recruitment.manage")


def can_decide(actor: Membership, application: Application, state: Progress) -> bool:
    return (application.status == ApplicationStatus.ENDORSED and state.complete
            and is_panel_member(actor, application.round_id))


def can_confirm(actor: Membership, application: Application) -> bool:
    return (application.status == ApplicationStatus.PROPOSED and application.proposed_by_id != actor.user_id
            and is_panel_member(actor, application.round_id))


@transaction.atomic
def save_scores(*, actor: Membership, application: Application, scores: dict[int, tuple[int, str]]) -> None:
    """A panel member's own scores (1 to 4) and comments for every criterion. They can change them until every
    member has scored; then the scores are the panel's and stay as they are. Audited (without the scores)."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    state = progress(application, actor.user)
    if not can_score(actor, application, state):
        raise NotAllowed("Only the round's panel members score an endorsed application, until all have scored.")
    criteria = list(Criterion.objects.filter(round_id=application.round_id).values_list("pk", flat=True))
    if set(scores) != set(criteria) or any(score not in (1, 2, 3, 4) for score, _ in scores.values()):
        raise DomainError("Score every criterion from 1 to 4.")
    for criterion_id, (score, comment) in scores.items():
        Score.objects.update_or_create(application=application, criterion_id=criterion_id, scorer=actor.user,
                                       defaults={"partnership": actor.partnership, "score": score, "comment": comment})
    record_event(partnership=actor.partnership, actor=actor.user, action="application.scored", obj=application,
                 new={"criteria": len(criteria)})


def panel_scores(application: Application) -> list[Score]:
    return list(Score.objects.filter(application=application).select_related("scorer", "criterion")
                .order_by("criterion__position", "criterion_id", "scorer_id"))


def own_scores(application: Application, user) -> dict[int, Score]:
    return {score.criterion_id: score for score in Score.objects.filter(application=application, scorer=user)}


def _check_decision(outcome: str, rationale: str, feedback: str) -> None:
    if outcome not in Outcome.values:
        raise DomainError("Choose the decision: designate, or not this time.", field="outcome")
    if not rationale.strip():
        raise DomainError("Give the panel's rationale for the decision.", field="rationale")
    if not feedback.strip():
        raise DomainError("Write feedback for the candidate.", field="feedback")


@transaction.atomic
def decide(*, actor: Membership, application: Application, outcome: str, rationale: str, feedback: str,
           today: date) -> Application:
    """A panel member decides once every member has scored: with four-eyes on, this proposes the decision for a
    different member to confirm; otherwise it is final. Of two members deciding at once exactly one wins."""
    application = Application.objects.select_related("round").get(pk=application.pk)
    if not can_decide(actor, application, progress(application, actor.user)):
        raise NotAllowed("Only a panel member decides an endorsed application, once every member has scored it.")
    _check_decision(outcome, rationale, feedback)
    fields = {"outcome": outcome, "rationale": rationale, "feedback": feedback, "proposed_by": actor.user,
              "proposed_at": timezone.now()}
    if actor.partnership.panel_four_eyes:
        move(application, ApplicationStatus.PROPOSED, allowed=APPLICATION_MOVES, actor=actor, note=rationale, **fields)
        others = [m.user for m in PanelMember.objects.filter(round_id=application.round_id).exclude(user=actor.user)
                  .select_related("user")]
        tell(actor.partnership, "application.proposed", others, occurrence=f"application:{application.pk}:proposed",
             subject=f"Confirm the panel's decision on {application.name}'s application",
             lines=[f"{actor.user.get_full_name()} proposes: {Outcome(outcome).label.lower()}.",
                    "Four-eyes decisions are on: a second panel member confirms it, or sends it back."],
             note=rationale, note_label="Rationale",
             link_to=link(actor.partnership, "application", pk=application.pk), action="Confirm or send it back")
        return application
    return _final(actor, application, today=today, **fields)


@transaction.atomic
def confirm_decision(*, actor: Membership, application: Application, today: date) -> Application:
    """A second panel member confirms a proposed decision (four-eyes): never the member who proposed it."""
    application = Application.objects.select_related("round").get(pk=application.pk)
    if application.status == ApplicationStatus.PROPOSED and application.proposed_by_id == actor.user_id:
        raise NotAllowed("Four-eyes decisions are on: a different panel member must confirm the decision you proposed.")
    if not can_confirm(actor, application):
        raise NotAllowed("There is no proposed decision for you to confirm.")
    return _final(actor, application, today=today, expected=ApplicationStatus.PROPOSED)


@transaction.atomic
def send_back(*, actor: Membership, application: Application, reason: str) -> None:
    """The second panel member does not agree: the proposal is dropped and the panel decides again."""
    application = Application.objects.get(pk=application.pk)
    if not can_confirm(actor, application):
        raise NotAllowed("There is no proposed decision for you to send back.")
    move(application, ApplicationStatus.ENDORSED, allowed=APPLICATION_MOVES, actor=actor, note=reason,
         action="application.sent_back", outcome="", proposed_by=None, proposed_at=None)


def _final(actor: Membership, application: Application, *, today: date, expected: str | None = None,
           **fields) -> Application:
    designated = (fields.get("outcome") or application.outcome) == Outcome.DESIGNATE
    to = ApplicationStatus.DESIGNATED if designated else ApplicationStatus.NOT_DESIGNATED
    move(application, to, allowed=APPLICATION_MOVES, actor=actor, expected=expected, decided_by=actor.user,
         decided_at=timezone.now(), **fields)
    leader: SystemLeader | None = designate(actor=actor, application=application, today=today) if designated else None
    round_ = application.round
    lines = ([f"The panel has designated you. Welcome to the partnership's system leaders ({round_.title})."]
             if designated else [f"The panel has decided not to designate you this time ({round_.title})."])
    tell(actor.partnership, "application.decided", [application.candidate],
         occurrence=f"application:{application.pk}:decided",
         subject=f"The panel's decision on your application to {round_.title}", lines=lines,
         note=application.feedback, note_label="The panel's feedback",
         link_to=link(actor.partnership, "application", pk=application.pk), action="See your application")
    if leader is not None:
        Application.objects.filter(pk=application.pk).update(leader=leader)
        application.leader = leader
    return application
