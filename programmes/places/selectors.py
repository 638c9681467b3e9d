"""Reads for places: who sees which, a cohort's places by stage, a head's staff, a participant's own places."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from portal.tenancy.models import Membership
from programmes.models import Cohort, CohortStatus, Place, PlaceStatus, ProgrammeStatus

S = PlaceStatus
STAGES = (
    ("waiting", "Waiting for a decision", (S.APPLIED, S.NOMINATED)),
    ("accepted", "Accepted", (S.ACCEPTED,)),
    ("offered", "Offered from the waitlist", (S.OFFERED,)),
    ("waitlist", "Waitlist, in order", (S.WAITLISTED,)),
    ("closed", "Closed", (S.NOT_ENDORSED, S.DECLINED, S.LAPSED, S.WITHDRAWN)),
)


def sees_every_place(membership: Membership) -> bool:
    return membership.can("places.decide") or membership.can("programmes.manage")


def places_for(*, membership: Membership) -> QuerySet[Place]:
    """The steering group and programme managers see every place; a head their schools' staff's; anyone else only
    their own."""
    places = Place.objects.filter(partnership=membership.partnership)
    if sees_every_place(membership):
        return places
    own = Q(user=membership.user)
    if membership.can("places.nominate"):
        own |= Q(school__in=membership.schools.all())
    return places.filter(own)


def _listed(places: QuerySet[Place]) -> QuerySet[Place]:
    return places.select_related("cohort__programme", "school")


def cohort_places(*, cohort: Cohort) -> dict[str, list[Place]]:
    """The cohort's places by stage (one query): the waitlist in its order, offers by deadline, others by name."""
    places = list(Place.objects.filter(cohort=cohort).select_related("school").order_by("name", "pk"))
    groups = {key: [p for p in places if p.status in statuses] for key, _, statuses in STAGES}
    groups["waitlist"].sort(key=lambda p: (p.waitlisted_at, p.pk))
    groups["offered"].sort(key=lambda p: (p.offer_expires_at, p.pk))
    return groups


def staff_places(*, membership: Membership) -> QuerySet[Place]:
    """A head's schools' staff on programmes, newest first."""
    return (_listed(Place.objects.filter(partnership=membership.partnership, school__in=membership.schools.all()))
            .order_by("-created_at", "-pk"))


def my_places(*, membership: Membership) -> QuerySet[Place]:
    return (_listed(Place.objects.filter(partnership=membership.partnership, user=membership.user))
            .order_by("-created_at", "-pk"))


def open_cohorts(*, partnership, today: date) -> QuerySet[Cohort]:
    """Cohorts taking nominations and applications today."""
    return (Cohort.objects.filter(partnership=partnership, status=CohortStatus.OPEN,
                                  programme__status=ProgrammeStatus.PUBLISHED)
            .filter(Q(applications_open__isnull=True) | Q(applications_open__lte=today))
            .filter(Q(applications_close__isnull=True) | Q(applications_close__gte=today))
            .select_related("programme").order_by("starts_on", "name", "pk"))


def cohort_for(*, membership: Membership, pk: int) -> QuerySet[Cohort]:
    return Cohort.objects.filter(partnership=membership.partnership, pk=pk).select_related(
        "programme", "service__catalogue")
