"""Arranging recruitment rows for tests: a published round open today with its criteria and panel, and an
application at a chosen stage. Tests of the services call the services; these only set the scene."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from leadership.models import (
    Application,
    ApplicationStatus,
    Criterion,
    Evidence,
    InductionItem,
    Nomination,
    PanelMember,
    RecruitmentRound,
    RoundStatus,
)


def make_round(partnership, *, panel=(), criteria=("Leading improvement", "Coaching and developing others"),
               status=RoundStatus.PUBLISHED, designation="SLE", title="SLE recruitment", opens_in=-7, closes_in=21,
               created_by=None) -> RecruitmentRound:
    """A round open from `opens_in` to `closes_in` days from today (published by default), its panel (users)."""
    today = timezone.localdate()
    round_ = RecruitmentRound.objects.create(
        partnership=partnership, designation=designation, title=title, description="Specialist leaders wanted.",
        opens_on=today + timedelta(days=opens_in), closes_on=today + timedelta(days=closes_in), status=status,
        phase_primary=True, created_by=created_by, published_at=timezone.now() if status == RoundStatus.PUBLISHED else None)
    for index, title_ in enumerate(criteria):
        Criterion.objects.create(partnership=partnership, round=round_, position=index, title=title_,
                                 guidance=f"Guidance for {title_.lower()}")
    for user in panel:
        PanelMember.objects.create(partnership=partnership, round=round_, user=user)
    return round_


def make_application(round_, candidate, *, school=None, status=ApplicationStatus.DRAFT, endorsed_by=None,
                     name="Casey Candidate") -> Application:
    """An application with every answer given (evidence for each criterion); endorsed rows carry consent."""
    endorsed = status not in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN)
    application = Application.objects.create(
        partnership=round_.partnership, round=round_, candidate=candidate, name=name, role_title="Deputy headteacher",
        school=school, status=status, phase_primary=True,
        submitted_at=timezone.now() if status != ApplicationStatus.DRAFT else None,
        endorsed_by=endorsed_by if endorsed else None, endorsed_at=timezone.now() if endorsed else None,
        endorsement="A strong candidate." if endorsed else "", release_consent=endorsed)
    for criterion in Criterion.objects.filter(round=round_):
        Evidence.objects.create(partnership=round_.partnership, application=application, criterion=criterion,
                                text=f"My evidence for {criterion.title.lower()}.")
    return application


def make_nomination(partnership, school, *, nominated_by=None, name="Riley Rising", **extra) -> Nomination:
    return Nomination.objects.create(partnership=partnership, school=school, nominated_by=nominated_by, name=name,
                                     email=f"{name.split()[0].lower()}@school.example.org", role_title="Head of maths",
                                     why="Leads maths across the school.", **{"phase_primary": True, **extra})


def make_induction_item(partnership, *, title="Meet your QA lead", service=None) -> InductionItem:
    return InductionItem.objects.create(partnership=partnership, title=title, service=service)
