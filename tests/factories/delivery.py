"""Plain makers for the delivery slice's tests (registers, evaluations, certificates, reports): a programme, a cohort
with sessions and facilitators, and accepted places, written straight to the database with scopes disabled. Named
`dl_*` so they do not clash with the courses and places slices' factories."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.utils import timezone
from django_scopes import scopes_disabled

from alliances.models import School
from programmes.models import (
    AttendanceMark,
    Cohort,
    Evaluation,
    Facilitator,
    Place,
    PlaceStatus,
    Programme,
    SchoolImpact,
    Session,
)


def dl_programme(partnership, *, created_by, title="Middle leaders programme", attendance=80, needs_evaluation=True):
    with scopes_disabled():
        return Programme.objects.create(partnership=partnership, title=title, created_by=created_by,
                                        completion_attendance=attendance,
                                        completion_needs_evaluation=needs_evaluation, status="published")


def dl_cohort(programme, *, created_by, first: date, sessions: int = 5, every_days: int = 7, name="Autumn cohort",
              places: int = 30, year: str = "2026-27", facilitators=()):
    """A cohort of `programme` with `sessions` sessions from `first`, every `every_days` days, and facilitators
    (system leader rows) for it."""
    with scopes_disabled():
        dates = [first + timedelta(days=every_days * i) for i in range(sessions)]
        cohort = Cohort.objects.create(partnership=programme.partnership, programme=programme, name=name,
                                       academic_year=year, places=places, created_by=created_by, status="open",
                                       starts_on=dates[0] if dates else None, ends_on=dates[-1] if dates else None)
        Session.objects.bulk_create([
            Session(partnership=programme.partnership, cohort=cohort, title=f"Session {i + 1}", date=day,
                    starts_at=time(9, 30), ends_at=time(15, 30), venue="Histon Early Years Centre")
            for i, day in enumerate(dates)])
        for leader in facilitators:
            Facilitator.objects.create(partnership=programme.partnership, cohort=cohort, leader=leader,
                                       name=leader.name, email=leader.email)
    return cohort


def dl_sessions(cohort) -> list[Session]:
    with scopes_disabled():
        return list(Session.objects.filter(cohort=cohort).order_by("date", "pk"))


def dl_place(cohort, school: School, *, nominated_by, user=None, name="Sam Taylor", email=None,
             status=PlaceStatus.ACCEPTED):
    with scopes_disabled():
        place = Place.objects.create(
            partnership=cohort.partnership, cohort=cohort, school=school, name=name,
            email=email or f"{name.lower().replace(' ', '.')}.{cohort.pk}@school.example.org", job_role="Teacher",
            user=user, status=status, nominated_by=nominated_by,
            accepted_at=timezone.now() if status == PlaceStatus.ACCEPTED else None,
            waitlisted_at=timezone.now() if status == PlaceStatus.WAITLISTED else None)
        if status == PlaceStatus.ACCEPTED:
            Cohort.objects.filter(pk=cohort.pk).update(taken=cohort.taken + 1)
            cohort.taken += 1
    return place


def dl_marks(session, places, *, recorded_by, attendance="present", taken=True):
    with scopes_disabled():
        AttendanceMark.objects.bulk_create([
            AttendanceMark(partnership=session.partnership, session=session, place=place, attendance=attendance,
                           absence_reason="Ill" if attendance == "absent" else "", recorded_by=recorded_by)
            for place in places])
        if taken:
            Session.objects.filter(pk=session.pk).update(register_taken_at=timezone.now(),
                                                         register_taken_by=recorded_by)


def dl_evaluation(place, *, impact=7, practice_change="I now plan lessons with the team."):
    with scopes_disabled():
        return Evaluation.objects.create(partnership=place.partnership, place=place, impact=impact,
                                         practice_change=practice_change, submitted_by=place.user or place.nominated_by)


def dl_school_impact(place, *, due_on: date, impact=None, answered_by=None):
    with scopes_disabled():
        return SchoolImpact.objects.create(partnership=place.partnership, place=place, due_on=due_on, impact=impact,
                                           impact_on_school="Better moderation" if impact else "",
                                           answered_by=answered_by,
                                           answered_at=timezone.now() if impact else None)
