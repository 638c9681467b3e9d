"""Reading programmes and cohorts: who sees which (the steering group and admins every draft; everyone else with
programmes.view the published programmes and their cohorts that are not drafts; a participant only the cohorts they
hold a place on and their programmes), and the cohort page's figures in
a fixed number of queries."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from alliances.models import SystemLeader
from portal.tenancy.models import Membership
from portal.tenancy.roles import STEERING_GROUP_ROLES, Role
from programmes.models import (
    Cohort,
    CohortStatus,
    Facilitator,
    Place,
    PlaceStatus,
    Programme,
    ProgrammeStatus,
    Session,
)


def sees_drafts(membership: Membership) -> bool:
    return membership.can("programmes.manage") or membership.role in STEERING_GROUP_ROLES


def _own_cohort_ids(membership: Membership):
    """A participant's cohorts: those they hold (or held, or wait for) a place on. They see no others."""
    return Place.objects.filter(partnership=membership.partnership, user_id=membership.user_id).values("cohort_id")


def programmes_for(*, membership: Membership) -> QuerySet[Programme]:
    found = Programme.objects.filter(partnership=membership.partnership)
    if not sees_drafts(membership):
        found = found.exclude(status=ProgrammeStatus.DRAFT)
    if membership.role == Role.PARTICIPANT:
        found = found.filter(pk__in=Cohort.objects.filter(pk__in=_own_cohort_ids(membership)).values("programme_id"))
    return found


def programme_list(*, membership: Membership, audience: str = "", phase: str = "") -> QuerySet[Programme]:
    """The list page: archived ones only for those who see drafts; filtered by audience and phase (a programme for
    every phase matches any phase). Each with its count of cohorts that are not cancelled."""
    found = programmes_for(membership=membership)
    if not sees_drafts(membership):
        found = found.filter(status=ProgrammeStatus.PUBLISHED)
    if audience:
        found = found.filter(audiences__contains=[audience])
    if phase:
        found = found.filter(Q(phases=[]) | Q(phases__contains=[phase]))
    return found.order_by("title", "pk")


def cohorts_for(*, membership: Membership) -> QuerySet[Cohort]:
    found = Cohort.objects.filter(partnership=membership.partnership)
    if not sees_drafts(membership):
        found = found.exclude(status=CohortStatus.DRAFT).exclude(programme__status=ProgrammeStatus.DRAFT)
    if membership.role == Role.PARTICIPANT:
        found = found.filter(pk__in=_own_cohort_ids(membership))
    return found


def cohorts_of(*, membership: Membership, programme: Programme) -> list[Cohort]:
    return list(cohorts_for(membership=membership).filter(programme=programme).order_by(
        "-academic_year", "starts_on", "name", "pk"))


def sessions_of(cohort: Cohort) -> list[Session]:
    return list(Session.objects.filter(partnership=cohort.partnership_id, cohort=cohort).order_by(
        "date", "starts_at", "pk"))


def facilitators_of(cohort: Cohort) -> list[Facilitator]:
    return list(Facilitator.objects.filter(partnership=cohort.partnership_id, cohort=cohort).order_by("name", "pk"))


def place_counts(cohort: Cohort) -> dict[str, int]:
    """How many places of each status the cohort has (one query, however many places)."""
    rows = Place.objects.filter(partnership=cohort.partnership_id, cohort=cohort).values("status").annotate(
        n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


def waitlist_length(counts: dict[str, int]) -> int:
    return counts.get(PlaceStatus.WAITLISTED, 0)


def leaders_to_choose(*, partnership, cohort: Cohort) -> QuerySet[SystemLeader]:
    """System leaders of the partnership not already facilitating the cohort."""
    taken = Facilitator.objects.filter(partnership=partnership, cohort=cohort, leader__isnull=False).values("leader_id")
    live = ("active", "under_review", "paused")
    return SystemLeader.objects.filter(partnership=partnership, status__in=live).exclude(pk__in=taken).order_by(
        "name", "pk")
