"""Reads for delivery: who runs which cohort, the sessions a member takes registers for, each place's attendance
and completion (computed in SQL, a fixed number of queries whatever the cohort's size)."""

from __future__ import annotations

from datetime import date

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, NullIf

from portal.tenancy.models import Membership
from programmes.models import AttendanceMark, Cohort, Evaluation, Facilitator, Place, PlaceStatus, Session

ATTENDED = ("present", "late")


def runs_all_programmes(membership: Membership) -> bool:
    """The steering group and admins see every cohort's delivery."""
    return membership.can("programmes.manage") or membership.can("places.decide")


def facilitated_cohort_ids(membership: Membership) -> QuerySet:
    return Facilitator.objects.filter(partnership=membership.partnership, leader__user_id=membership.user_id) \
        .values("cohort_id")


def is_facilitator(membership: Membership, cohort_id: int) -> bool:
    return Facilitator.objects.filter(partnership=membership.partnership, cohort_id=cohort_id,
                                      leader__user_id=membership.user_id).exists()


def register_sessions(membership: Membership) -> QuerySet[Session]:
    """The sessions whose register this member may take: every session for the steering group and admins with
    registers.take, and only the cohorts they facilitate for a system leader."""
    sessions = Session.objects.filter(partnership=membership.partnership)
    if not membership.can("registers.take"):
        return sessions.none()
    if membership.can("programmes.manage"):
        return sessions
    return sessions.filter(cohort_id__in=facilitated_cohort_ids(membership))


def cohorts_in_view(membership: Membership) -> QuerySet[Cohort]:
    """Cohorts whose participants and attendance the member may see: the steering group's all, a facilitator's own."""
    cohorts = Cohort.objects.filter(partnership=membership.partnership)
    if runs_all_programmes(membership):
        return cohorts
    return cohorts.filter(pk__in=facilitated_cohort_ids(membership))


def accepted_places(cohort: Cohort) -> QuerySet[Place]:
    return Place.objects.filter(cohort=cohort, status=PlaceStatus.ACCEPTED).order_by("name", "pk")


def running_with_participants() -> QuerySet[Cohort]:
    """Cohorts whose registers are due: not cancelled or a draft, and with someone holding a place (a register of
    nobody can never be saved, so it would be chased for ever)."""
    return Cohort.objects.exclude(status__in=("draft", "cancelled")).filter(
        pk__in=Place.objects.filter(status=PlaceStatus.ACCEPTED).values("cohort_id"))


def registers_to_take(membership: Membership, *, today: date) -> QuerySet[Session]:
    """Sessions already held (today or before) whose register nobody has taken, for the home page."""
    return register_sessions(membership).filter(date__lte=today, register_taken_at__isnull=True,
                                                cohort__in=running_with_participants()) \
        .select_related("cohort").order_by("date", "starts_at", "pk")


def sessions_run(membership: Membership, *, today: date) -> QuerySet[Session]:
    """The sessions a facilitator runs from today on."""
    return Session.objects.filter(partnership=membership.partnership, date__gte=today,
                                  cohort_id__in=facilitated_cohort_ids(membership)) \
        .select_related("cohort").order_by("date", "starts_at", "pk")


def with_attendance(places: QuerySet[Place]) -> QuerySet[Place]:
    """Places annotated with `sessions` (their cohort's), `attended` (present or late), `absent`, `marked`,
    `evaluated`, `attendance_percent` and `meets_rule` (the programme's completion rule), all in one query."""
    sessions = Session.objects.filter(cohort_id=OuterRef("cohort_id")).order_by().values("cohort_id") \
        .annotate(n=Count("pk")).values("n")
    marks = AttendanceMark.objects.filter(place_id=OuterRef("pk")).order_by().values("place_id")
    attended = marks.filter(attendance__in=ATTENDED).annotate(n=Count("pk")).values("n")
    absent = marks.filter(attendance="absent").annotate(n=Count("pk")).values("n")
    return places.annotate(
        sessions=Coalesce(Subquery(sessions, output_field=IntegerField()), Value(0)),
        attended=Coalesce(Subquery(attended, output_field=IntegerField()), Value(0)),
        absent=Coalesce(Subquery(absent, output_field=IntegerField()), Value(0)),
        evaluated=Exists(Evaluation.objects.filter(place_id=OuterRef("pk"))),
    ).annotate(
        attendance_percent=ExpressionWrapper(
            F("attended") * 100 / Coalesce(NullIf(F("sessions"), Value(0)), Value(1)), output_field=IntegerField()),
        meets_rule=ExpressionWrapper(
            Q(sessions__gt=0, status=PlaceStatus.ACCEPTED)
            & Q(attended__gte=F("sessions") * F("cohort__programme__completion_attendance") / 100.0)
            & (Q(evaluated=True) | Q(cohort__programme__completion_needs_evaluation=False)),
            output_field=BooleanField()),
    )


def participants(cohort: Cohort) -> list[Place]:
    """The cohort's accepted participants with their attendance and completion, one query."""
    return list(with_attendance(accepted_places(cohort)).select_related("school"))
