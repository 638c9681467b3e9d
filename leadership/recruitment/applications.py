"""Applications: a member (or someone invited with the candidate role) starts one for an open round, saves their
answers as a draft (specialisms, phases, evidence against each criterion), checks them and sends it. Their own
headteacher (a head of the school the application names) then endorses it with release consent, or does not.

draft -> submitted -> endorsed | not endorsed; draft or submitted -> withdrawn. The panel's part is in `panel`.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from alliances.models import School, Specialism, SystemLeader
from leadership.models import (
    Application,
    ApplicationStatus,
    Criterion,
    Evidence,
    PanelMember,
    RecruitmentRound,
    RoundInvitation,
    RoundStatus,
)
from leadership.recruitment.common import PHASE_FIELDS, designation_label, link, tell
from portal.audit.services import record_event
from portal.errors import DomainError, NotAllowed
from portal.formats import date_text
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role
from portal.tenancy.selectors import heads_of_schools
from portal.workflow import move

APPLICATION_MOVES = {
    ApplicationStatus.DRAFT: (ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN),
    ApplicationStatus.SUBMITTED: (ApplicationStatus.ENDORSED, ApplicationStatus.NOT_ENDORSED,
                                  ApplicationStatus.WITHDRAWN),
    ApplicationStatus.ENDORSED: (ApplicationStatus.PROPOSED, ApplicationStatus.DESIGNATED,
                                 ApplicationStatus.NOT_DESIGNATED),
    ApplicationStatus.PROPOSED: (ApplicationStatus.DESIGNATED, ApplicationStatus.NOT_DESIGNATED,
                                 ApplicationStatus.ENDORSED),
}


# Guards the pages ask --------------------------------------------------------------------------------------------

def is_candidate(actor: Membership, application: Application) -> bool:
    return application.candidate_id == actor.user_id


def leads_school(actor: Membership, school_id: str | None) -> bool:
    return bool(school_id) and actor.can("recruitment.endorse") and actor.schools.filter(pk=school_id).exists()


def is_panel_member(actor: Membership, round_id: int) -> bool:
    return actor.can("recruitment.panel") and PanelMember.objects.filter(round_id=round_id, user=actor.user).exists()


def may_apply(actor: Membership, round_: RecruitmentRound, *, today: date) -> str:
    """Why `actor` may not start an application to `round_` today, or "" when they may."""
    if not actor.can("recruitment.apply"):
        return "Your role does not let you apply to a recruitment round."
    if not round_.is_open(today):
        return (f"Applications open on {date_text(round_.opens_on)}." if today < round_.opens_on
                else "This round is closed to applications.")
    if actor.role == Role.CANDIDATE and not RoundInvitation.objects.filter(
            round=round_, email__iexact=actor.user.email).exists():
        return "You can apply only to the rounds you were invited to."
    if is_panel_member(actor, round_.pk):
        return "You sit on this round's panel, so you cannot apply to it."
    return ""


def can_edit(actor: Membership, application: Application) -> bool:
    return application.status == ApplicationStatus.DRAFT and is_candidate(actor, application)


def can_endorse(actor: Membership, application: Application) -> bool:
    return (application.status == ApplicationStatus.SUBMITTED and not is_candidate(actor, application)
            and leads_school(actor, application.school_id))


# The candidate's part ----------------------------------------------------------------------------------------------

@transaction.atomic
def start_application(*, actor: Membership, round_: RecruitmentRound, today: date) -> Application:
    """Start (or return) the actor's application to an open round. An invited candidate's school and name come from
    their invitation; a system leader's from their record. Audited."""
    existing = Application.objects.filter(round=round_, candidate=actor.user).first()
    if existing is not None:
        return existing
    problem = may_apply(actor, round_, today=today)
    if problem:
        raise NotAllowed(problem)
    invited = RoundInvitation.objects.filter(round=round_, email__iexact=actor.user.email).first()
    record = SystemLeader.objects.filter(partnership=actor.partnership, user=actor.user).first()
    school_id = (invited.school_id if invited and invited.school_id else
                 record.home_school_id if record else actor.schools.values_list("pk", flat=True).first())
    application = Application.objects.create(
        partnership=actor.partnership, round=round_, candidate=actor.user,
        name=actor.user.get_full_name() or (invited.name if invited else actor.user.email),
        school_id=school_id, **{field: getattr(round_, field) for field in PHASE_FIELDS})
    record_event(partnership=actor.partnership, actor=actor.user, action="application.started", obj=application,
                 new={"round": round_.pk})
    return application


@transaction.atomic
def save_answers(*, actor: Membership, application: Application, role_title: str, school: School | None,
                 specialisms: list[Specialism], phases: list[str], evidence: dict[int, str]) -> None:
    """Save a draft's answers (the candidate only); nothing is checked for completeness until it is sent."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not can_edit(actor, application):
        raise DomainError("This application has been sent, so its answers can no longer change.")
    application.role_title = role_title
    application.school = school
    for field in PHASE_FIELDS:
        setattr(application, field, field in phases)
    application.save()
    application.specialisms.set(specialisms, through_defaults={"partnership": actor.partnership})
    criteria = set(Criterion.objects.filter(round_id=application.round_id).values_list("pk", flat=True))
    for criterion_id, text in evidence.items():
        if criterion_id in criteria:
            Evidence.objects.update_or_create(
                application=application, criterion_id=criterion_id,
                defaults={"partnership": actor.partnership, "text": text})


def missing_answers(application: Application) -> list[tuple[str, str]]:
    """(field, what is missing) for each answer a draft still needs before it can be sent."""
    missing = []
    if not application.school_id:
        missing.append(("school", "Choose your school: its headteacher endorses your application"))
    if not application.role_title:
        missing.append(("role_title", "Enter your current role"))
    if not application.phase_keys():
        missing.append(("phases", "Choose at least one phase you can support"))
    if not application.specialisms.exists():
        missing.append(("specialisms", "Choose at least one specialism"))
    written = set(Evidence.objects.filter(application=application).exclude(text="")
                  .values_list("criterion_id", flat=True))
    for criterion in Criterion.objects.filter(round_id=application.round_id):
        if criterion.pk not in written:
            missing.append((f"evidence_{criterion.pk}", f"Give your evidence for \u201c{criterion.title}\u201d"))
    return missing


@transaction.atomic
def submit_application(*, actor: Membership, application: Application, today: date) -> None:
    """Send a complete draft while the round is open (the candidate only). The heads of the school it names are
    asked to endorse it. Audited; the heads are told through the outbox."""
    if not is_candidate(actor, application):
        raise NotAllowed("Only the candidate can send their application.")
    application = Application.objects.select_for_update().select_related("round").get(pk=application.pk)
    round_ = application.round
    if round_.status != RoundStatus.PUBLISHED or today > round_.closes_on:
        raise DomainError(f"This round closed on {date_text(round_.closes_on)}, so the application cannot be sent.")
    missing = missing_answers(application)
    if missing:
        raise DomainError(missing[0][1] + ".", field=missing[0][0])
    move(application, ApplicationStatus.SUBMITTED, allowed=APPLICATION_MOVES, actor=actor,
         submitted_at=timezone.now())
    heads = [head for head in heads_of_schools(actor.partnership, [application.school_id]) if head != actor.user]
    label = designation_label(actor.partnership, round_.designation)
    tell(actor.partnership, "application.submitted", heads, occurrence=f"application:{application.pk}:submitted",
         subject=f"{application.name} asks you to endorse their application ({label})",
         lines=[f"{application.name} has applied to {round_.title}.",
                "As their headteacher, read it and say whether you endorse it and agree to release them for "
                "deployments."],
         link_to=link(actor.partnership, "application_endorse", pk=application.pk), action="Read and endorse it")


@transaction.atomic
def withdraw_application(*, actor: Membership, application: Application, reason: str = "") -> None:
    """The candidate withdraws a draft or an application waiting for endorsement. Audited."""
    application = Application.objects.get(pk=application.pk)
    if not is_candidate(actor, application):
        raise NotAllowed("Only the candidate can withdraw their application.")
    move(application, ApplicationStatus.WITHDRAWN, allowed=APPLICATION_MOVES, actor=actor, note=reason)


# The headteacher's part ------------------------------------------------------------------------------------------

@transaction.atomic
def endorse_application(*, actor: Membership, application: Application, endorse: bool, statement: str,
                        release_consent: bool) -> None:
    """The candidate's own headteacher endorses the application with release consent (both needed to go to the
    panel), or does not endorse it. Records who and when. The panel (or the candidate, when not endorsed) is told."""
    application = Application.objects.select_related("round").get(pk=application.pk)
    if not can_endorse(actor, application):
        raise NotAllowed("Only a headteacher of the candidate's school can endorse this application, once it is sent.")
    if endorse and not release_consent:
        raise DomainError("To endorse the application, agree to release the candidate for deployments. If you cannot, "
                          "choose not to endorse it and say why.", field="release_consent")
    to = ApplicationStatus.ENDORSED if endorse else ApplicationStatus.NOT_ENDORSED
    move(application, to, allowed=APPLICATION_MOVES, actor=actor, note=statement, endorsed_by=actor.user,
         endorsed_at=timezone.now(), endorsement=statement, release_consent=endorse and release_consent)
    partnership, round_ = actor.partnership, application.round
    if endorse:
        panel = [member.user for member in PanelMember.objects.filter(round=round_).select_related("user")]
        tell(partnership, "application.endorsed", panel, occurrence=f"application:{application.pk}:endorsed",
             subject=f"An application to {round_.title} is ready for the panel",
             lines=[f"{application.name}'s headteacher endorsed the application and gave release consent.",
                    "Score each criterion on your own: the panel's scores show once every member has scored."],
             link_to=link(partnership, "application_score", pk=application.pk), action="Score the application")
    else:
        tell(partnership, "application.endorsed", [application.candidate],
             occurrence=f"application:{application.pk}:not_endorsed",
             subject=f"Your headteacher did not endorse your application to {round_.title}",
             lines=["Your application will not go to the panel this time."], note=statement,
             note_label="Your headteacher's reasons",
             link_to=link(partnership, "application", pk=application.pk), action="See your application")
