"""Quality assurance writes: the competency framework, QA groups, QA activities with ratings and actions, and the
outcome of a designation review. Each is one transaction with its audit event and any notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from alliances.models import LeaderStatus, SystemLeader
from deployments.models import Deployment, Review, Visit
from deployments.workflow import leader_recipients, tenant_url
from leadership.models import (
    Competency,
    DesignationOutcome,
    DesignationReview,
    QAAction,
    QAActionStatus,
    QAActivity,
    QAActivityKind,
    QAGroup,
    QAGroupMember,
    QARating,
    RatingLevel,
)
from portal.audit.services import record_event
from portal.errors import DomainError, NotAllowed
from portal.formats import date_text
from portal.notifications.services import notify
from portal.tenancy.models import Membership
from portal.workflow import TransitionNotAllowed, move

# Seed 002: LLEs "quality assure provision and evaluate impact in line with agreed framework and set of
# competencies"; the titles follow what seeds 002 and 003 ask system leaders to do.
DEFAULT_COMPETENCIES = [
    ("Diagnosing need", "Reads the school's data and context with its leaders and agrees the priorities that matter "
                        "most for pupils."),
    ("Support and challenge", "Supports and challenges the school on its priorities so that they impact on pupil "
                              "outcomes."),
    ("Developing leaders", "Coaches and develops the school's leaders and staff so that improvement lasts after the "
                           "support ends."),
    ("Sharing practice", "Shares effective practice between schools and brings in the right networks and partners."),
    ("Evaluating impact", "Evaluates impact against the agreed objectives and success criteria, with evidence."),
    ("Working in partnership", "Works with the local authority, the teaching school alliances, dioceses and other "
                               "system leaders openly and professionally."),
]
DEFAULT_SCALE = [
    (1, "Not yet evident", "Little or no evidence of this competency in the work seen."),
    (2, "Developing", "Some evidence; the leader should develop this further with support."),
    (3, "Secure", "Consistent evidence of this competency in the work seen."),
    (4, "Strong", "Strong evidence: practice others could learn from."),
]
HISTORY_ACTION = "system_leader.designation_changed"
ACTION_ALLOWED = {QAActionStatus.OPEN: {QAActionStatus.DONE}}
# A designation review can end a designation that is still in force; one already ended has no review left.
LEADER_ALLOWED = {status: {LeaderStatus.DE_DESIGNATED}
                  for status in (LeaderStatus.ACTIVE, LeaderStatus.UNDER_REVIEW, LeaderStatus.PAUSED)}


# Who may do what -------------------------------------------------------------------------------------------------


def is_steering_group(actor: Membership) -> bool:
    return actor.can("quality.manage")


def lead_of(actor: Membership, leader_id: int) -> bool:
    """The member is the system leader who leads the QA group `leader_id` belongs to."""
    return actor.can("quality.lead") and QAGroupMember.objects.filter(
        partnership=actor.partnership, leader_id=leader_id, group__lead__user_id=actor.user_id).exists()


def can_record_for(actor: Membership, leader_id: int) -> bool:
    return is_steering_group(actor) or lead_of(actor, leader_id)


def sees_private_notes(actor: Membership, leader_id: int) -> bool:
    """Private notes are for the steering group and the leader's QA lead only: never the leader, never LA officers."""
    return can_record_for(actor, leader_id)


# The framework ---------------------------------------------------------------------------------------------------


def _manage_framework(actor: Membership) -> None:
    if not actor.can("quality.framework"):
        raise NotAllowed("Only brokers and partnership admins change the competency framework.")


@transaction.atomic
def use_default_framework(*, actor: Membership) -> int:
    """Start the framework from the defaults when the partnership has none yet. Returns the rows added (0 when
    either part already exists, so a second click or a second person adds nothing)."""
    _manage_framework(actor)
    partnership = actor.partnership
    added = 0
    if not Competency.objects.filter(partnership=partnership).exists():
        Competency.objects.bulk_create([Competency(partnership=partnership, title=title, description=text, order=n)
                                        for n, (title, text) in enumerate(DEFAULT_COMPETENCIES, start=1)],
                                       ignore_conflicts=True)
        added += len(DEFAULT_COMPETENCIES)
    if not RatingLevel.objects.filter(partnership=partnership).exists():
        RatingLevel.objects.bulk_create([RatingLevel(partnership=partnership, value=v, label=label, meaning=meaning)
                                         for v, label, meaning in DEFAULT_SCALE], ignore_conflicts=True)
        added += len(DEFAULT_SCALE)
    if added:
        record_event(partnership=partnership, actor=actor.user, action="framework.defaults", new={"rows": added})
    return added


@transaction.atomic
def save_competency(*, actor: Membership, competency: Competency | None, title: str, description: str, order: int,
                    is_active: bool = True) -> Competency:
    """Add a competency or change one (its past ratings keep pointing at it)."""
    _manage_framework(actor)
    title = title.strip()
    if not title:
        raise DomainError("Enter the competency's title.")
    clash = Competency.objects.filter(partnership=actor.partnership, title__iexact=title)
    if competency is not None:
        clash = clash.exclude(pk=competency.pk)
    if clash.exists():
        raise DomainError(f"There is already a competency called {title}.")
    old = None
    if competency is None:
        competency = Competency(partnership=actor.partnership)
    else:
        old = {"title": competency.title, "order": competency.order, "is_active": competency.is_active}
    competency.title, competency.description, competency.order = title, description.strip(), order
    competency.is_active = is_active
    competency.save()
    record_event(partnership=actor.partnership, actor=actor.user, action="competency.saved", obj=competency, old=old,
                 new={"title": title, "order": order, "is_active": is_active})
    return competency


@transaction.atomic
def save_rating_level(*, actor: Membership, level: RatingLevel | None, value: int, label: str,
                      meaning: str) -> RatingLevel:
    """Add a point to the rating scale or change one. `value` orders the scale: higher is stronger."""
    _manage_framework(actor)
    label = label.strip()
    if not label:
        raise DomainError("Enter the rating's label.")
    if not 1 <= value <= 10:
        raise DomainError("Give the rating a value from 1 to 10.")
    others = RatingLevel.objects.filter(partnership=actor.partnership)
    if level is not None:
        others = others.exclude(pk=level.pk)
    if others.filter(value=value).exists():
        raise DomainError(f"Another rating already has the value {value}.")
    if others.filter(label__iexact=label).exists():
        raise DomainError(f"Another rating is already called {label}.")
    old = None if level is None else {"value": level.value, "label": level.label}
    level = level or RatingLevel(partnership=actor.partnership)
    level.value, level.label, level.meaning = value, label, meaning.strip()
    level.save()
    record_event(partnership=actor.partnership, actor=actor.user, action="rating_level.saved", obj=level, old=old,
                 new={"value": value, "label": label})
    return level


# QA groups -------------------------------------------------------------------------------------------------------


@transaction.atomic
def save_qa_group(*, actor: Membership, group: QAGroup | None, name: str, lead: SystemLeader,
                  members: list[SystemLeader]) -> QAGroup:
    """Create a QA group or change its lead and members (steering group). A leader belongs to at most one group:
    one already in another group must be taken out of it first."""
    if not is_steering_group(actor):
        raise NotAllowed("Only the steering group arranges QA groups.")
    name = name.strip()
    if not name:
        raise DomainError("Enter the group's name.")
    if any(leader.partnership_id != actor.partnership_id for leader in [lead, *members]):
        raise NotAllowed("That system leader is not in this partnership.")
    if lead.status in (LeaderStatus.DE_DESIGNATED, LeaderStatus.RESIGNED):
        raise DomainError(f"{lead.name} is no longer designated, so cannot lead a QA group.")
    if lead in members:
        raise DomainError(f"{lead.name} leads the group, so cannot also be one of its members.")
    clash = QAGroup.objects.filter(partnership=actor.partnership, name__iexact=name)
    if group is not None:
        clash = clash.exclude(pk=group.pk)
    if clash.exists():
        raise DomainError(f"There is already a QA group called {name}.")
    elsewhere = QAGroupMember.objects.filter(partnership=actor.partnership, leader__in=members)
    if group is not None:
        elsewhere = elsewhere.exclude(group=group)
    taken = sorted(elsewhere.values_list("leader__name", flat=True))
    if taken:
        raise DomainError(f"{', '.join(taken)} already belong{'s' if len(taken) == 1 else ''} to another QA group. "
                          "Take them out of it first.")
    old = None
    if group is None:
        group = QAGroup.objects.create(partnership=actor.partnership, name=name, lead=lead)
    else:
        group = QAGroup.objects.select_for_update().get(pk=group.pk)
        old = {"name": group.name, "lead": group.lead_id}
        group.name, group.lead = name, lead
        group.save(update_fields=["name", "lead"])
    QAGroupMember.objects.filter(group=group).exclude(leader__in=members).delete()
    have = set(QAGroupMember.objects.filter(group=group).values_list("leader_id", flat=True))
    try:
        with transaction.atomic():
            QAGroupMember.objects.bulk_create([QAGroupMember(partnership=actor.partnership, group=group, leader=leader)
                                               for leader in members if leader.pk not in have])
    except IntegrityError:
        raise DomainError("Someone else put one of these leaders in another QA group just now. "
                          "Reload the page to see the groups.") from None
    record_event(partnership=actor.partnership, actor=actor.user, action="qa_group.saved", obj=group, old=old,
                 new={"name": name, "lead": lead.pk, "members": sorted(leader.pk for leader in members)})
    return group


# QA activities ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionInput:
    description: str
    due_on: date


def _concerned(actor: Membership, leader: SystemLeader, deployment, visit, review) -> Deployment | None:
    """The deployment the activity concerns (the visit's or review's when none is given); each must be the leader's."""
    if visit is not None and deployment is None:
        deployment = visit.deployment
    if review is not None and deployment is None:
        deployment = review.deployment
    for item, label in ((deployment, "deployment"), (visit, "visit"), (review, "review")):
        if item is None:
            continue
        owner = item if label == "deployment" else item.deployment
        if item.partnership_id != actor.partnership_id or owner.leader_id != leader.pk:
            raise NotAllowed(f"That {label} is not one of {leader.name}'s.")
    if (visit is not None and visit.deployment_id != deployment.pk) or (
            review is not None and review.deployment_id != deployment.pk):
        raise DomainError("The visit or review must belong to the deployment chosen.")
    return deployment


@transaction.atomic
def record_qa_activity(*, actor: Membership, leader: SystemLeader, kind: str, held_on: date,
                       deployment: Deployment | None = None, visit: Visit | None = None, review: Review | None = None,
                       ratings: dict[int, int] | None = None, notes: str = "", private_notes: str = "",
                       actions: list[ActionInput] | None = None, today: date | None = None) -> QAActivity:
    """Record a QA activity for `leader` (their QA group's lead, or the steering group): ratings map competency
    ids to rating level ids. The deployment, visit or review must be the leader's own. The leader is told."""
    today = today or timezone.localdate()
    if leader.partnership_id != actor.partnership_id or not can_record_for(actor, leader.pk):
        raise NotAllowed("Only the leader's QA group lead or the steering group records QA activities for them.")
    if kind not in QAActivityKind.values:
        raise DomainError("Choose what kind of activity it was.")
    if held_on > today:
        raise DomainError("The activity's date must be today or in the past.")
    deployment = _concerned(actor, leader, deployment, visit, review)
    ratings = ratings or {}
    competencies = set(Competency.objects.filter(partnership=actor.partnership, is_active=True, pk__in=ratings)
                       .values_list("pk", flat=True))
    levels = set(RatingLevel.objects.filter(partnership=actor.partnership, pk__in=ratings.values())
                 .values_list("pk", flat=True))
    if set(ratings) - competencies or set(ratings.values()) - levels:
        raise DomainError("Rate competencies of the framework on its scale.")
    actions = actions or []
    for action in actions:
        if not action.description.strip():
            raise DomainError("Describe each action.")
        if action.due_on < held_on:
            raise DomainError("An action's due date must be on or after the activity.")
    if not ratings and not notes.strip() and not actions:
        raise DomainError("Give at least one rating, some notes or an action.")
    group_id = (QAGroupMember.objects.filter(leader=leader).values_list("group_id", flat=True).first())
    activity = QAActivity.objects.create(
        partnership=actor.partnership, leader=leader, group_id=group_id, kind=kind, held_on=held_on,
        deployment=deployment, visit=visit, review=review, notes=notes.strip(), private_notes=private_notes.strip(),
        recorded_by=actor.user)
    QARating.objects.bulk_create([QARating(partnership=actor.partnership, activity=activity, competency_id=c,
                                           level_id=level) for c, level in ratings.items()])
    QAAction.objects.bulk_create([QAAction(partnership=actor.partnership, activity=activity, leader=leader,
                                           description=a.description.strip(), due_on=a.due_on) for a in actions])
    record_event(partnership=actor.partnership, actor=actor.user, action="qa_activity.recorded", obj=activity,
                 new={"leader": leader.pk, "kind": kind, "held_on": held_on.isoformat(), "ratings": len(ratings),
                      "actions": len(actions)})
    recipients = leader_recipients(leader)
    if recipients:
        lines = [f"A QA activity ({activity.get_kind_display().lower()}) on {date_text(held_on)} has been recorded "
                 "about your work as a system leader."]
        if actions:
            lines.append(f"It sets {len(actions)} action{'s' if len(actions) != 1 else ''}; the first is due on "
                         f"{date_text(min(a.due_on for a in actions))}.")
        notify(partnership=actor.partnership, event_type="leadership.qa_activity", recipients=recipients,
               occurrence=f"qa_activity:{activity.pk}",
               context={"subject": "A QA activity was recorded about your work", "lines": lines,
                        "action": "See your quality assurance"},
               link=tenant_url(actor.partnership, "leadership:qa_activity", pk=activity.pk))
    return activity


@transaction.atomic
def complete_qa_action(*, actor: Membership, action: QAAction, today: date | None = None) -> QAAction:
    """Mark an action done (the leader it is for, their QA lead or the steering group); twice gives a clear error."""
    leader = action.leader
    if action.partnership_id != actor.partnership_id or not (
            can_record_for(actor, leader.pk) or (leader.user_id is not None and leader.user_id == actor.user_id)):
        raise NotAllowed("Only the leader, their QA lead or the steering group marks this action done.")
    move(action, QAActionStatus.DONE, allowed=ACTION_ALLOWED, actor=actor, partnership=actor.partnership,
         action="qa_action.done", done_by=actor.user, done_on=today or timezone.localdate())
    return action


# The designation review ------------------------------------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _new_review_due(years: int, outcome: str, extend_to: date | None, today: date) -> date | None:
    """The next review date an outcome gives: `years` from today, the chosen date (within that), or none."""
    if outcome == DesignationOutcome.REDESIGNATE:
        return add_years(today, years)
    if outcome != DesignationOutcome.EXTEND:
        return None
    if extend_to is None:
        raise DomainError("Enter the date the review is extended to.")
    if extend_to <= today:
        raise DomainError("The review must be extended to a date after today.")
    if extend_to > add_years(today, years):
        raise DomainError(f"Extend the review by at most {years} years; to start a new period, redesignate.")
    return extend_to


@transaction.atomic
def decide_designation_review(*, actor: Membership, leader: SystemLeader, outcome: str, reason: str,
                              seen_review_due: date, extend_to: date | None = None,
                              today: date | None = None) -> DesignationReview:
    """Record the outcome of a leader's designation review (steering group): redesignate (review due again after the
    partnership's period), extend (to a chosen date) or de-designate. Guard: the review the actor saw is still
    the one due (the leader row is locked, so two people deciding at once give one outcome). The leader is told."""
    today = today or timezone.localdate()
    if not actor.can("designation.decide"):
        raise NotAllowed("Only the steering group decides designation reviews.")
    if outcome not in DesignationOutcome.values:
        raise DomainError("Choose the outcome of the review.")
    if not reason.strip():
        raise DomainError("Give the reason for the outcome.")
    locked = SystemLeader.objects.select_for_update().get(pk=leader.pk, partnership=actor.partnership)
    if locked.review_due != seen_review_due or locked.status not in LEADER_ALLOWED:
        raise TransitionNotAllowed("Someone else recorded the outcome of this designation review first. Reload the "
                                   "page to see it.")
    partnership = actor.partnership
    new_due = _new_review_due(partnership.designation_review_years, outcome, extend_to, today)
    try:
        with transaction.atomic():
            review = DesignationReview.objects.create(
                partnership=partnership, leader=locked, outcome=outcome, reason=reason.strip(),
                previous_review_due=locked.review_due, new_review_due=new_due, decided_by=actor.user)
    except IntegrityError:
        raise TransitionNotAllowed("Someone else recorded the outcome of this designation review first.") from None
    if outcome == DesignationOutcome.DE_DESIGNATE:
        # The directory's designation history lists this action (alliances.selectors.leader_history).
        move(locked, LeaderStatus.DE_DESIGNATED, allowed=LEADER_ALLOWED, actor=actor, partnership=partnership,
             action=HISTORY_ACTION, note=reason.strip())
        lines = [f"The steering group has reviewed your designation and decided to end it on {date_text(today)}.",
                 f"Their reason: {reason.strip()}", "You will not be offered new work as a system leader."]
        subject = "The outcome of your designation review: de-designated"
    else:
        SystemLeader.objects.filter(pk=locked.pk).update(review_due=new_due, updated_at=timezone.now())
        record_event(partnership=partnership, actor=actor.user, action=HISTORY_ACTION, obj=locked,
                     old={"review_due": locked.review_due.isoformat()},
                     new={"review_due": new_due.isoformat(), "outcome": outcome}, note=reason.strip())
        locked.review_due = new_due
        verb = "redesignated you" if outcome == DesignationOutcome.REDESIGNATE else "extended your designation"
        lines = [f"The steering group has reviewed your designation and {verb}.",
                 f"Your next designation review is due on {date_text(new_due)}."]
        subject = f"The outcome of your designation review: {DesignationOutcome(outcome).label.lower()}"
    recipients = leader_recipients(locked)
    if recipients:
        notify(partnership=partnership, event_type="leadership.designation_outcome", recipients=recipients,
               occurrence=f"designation_review:{review.pk}",
               context={"subject": subject, "lines": lines, "action": "See your quality assurance"},
               link=tenant_url(partnership, "leadership:qa_mine"))
    return review
