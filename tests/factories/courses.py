"""Programme, cohort, session, facilitator and place rows (issue 14). For arranging data only: a test of a service
calls the service (these write no audit events and move no counters)."""

from __future__ import annotations

from datetime import date, time

import factory

from programmes.models import (
    Audience,
    Cohort,
    CohortStatus,
    Facilitator,
    Place,
    PlaceStatus,
    Programme,
    ProgrammeStatus,
    Session,
)
from tests.factories.alliances import SchoolFactory
from tests.factories.base import TenantFactory, in_parent_partnership
from tests.factories.portal import PartnershipFactory, UserFactory


class ProgrammeFactory(TenantFactory):
    """A published middle leaders' programme, 80% attendance and the evaluation to complete."""

    class Meta:
        model = Programme

    partnership = factory.SubFactory(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Middle leaders programme {n}")
    summary = "Leading a team and a subject."
    aims = "Stronger middle leadership."
    outcomes = ["Leads a team", "Plans improvement"]
    audiences = [Audience.MIDDLE_LEADERS]
    phases: list[str] = []
    status = ProgrammeStatus.PUBLISHED
    created_by = factory.SubFactory(UserFactory)


class CohortFactory(TenantFactory):
    """An open cohort of 20 places in 2026-27."""

    _parents = ("programme",)

    class Meta:
        model = Cohort

    partnership = factory.SubFactory(PartnershipFactory)
    programme = in_parent_partnership(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Autumn 2026 cohort {n}")
    academic_year = "2026-27"
    places = 20
    status = CohortStatus.OPEN
    created_by = factory.SubFactory(UserFactory)


class SessionFactory(TenantFactory):
    """A school-day session (Tuesday 6 October 2026, 09:30 to 15:30) at a venue."""

    _parents = ("cohort",)

    class Meta:
        model = Session

    partnership = factory.SubFactory(PartnershipFactory)
    cohort = in_parent_partnership(CohortFactory)
    title = factory.Sequence(lambda n: f"Day {n}")
    date = date(2026, 10, 6)
    starts_at = time(9, 30)
    ends_at = time(15, 30)
    venue = "Histon Teaching School"


class FacilitatorFactory(TenantFactory):
    _parents = ("cohort",)

    class Meta:
        model = Facilitator

    partnership = factory.SubFactory(PartnershipFactory)
    cohort = in_parent_partnership(CohortFactory)
    name = factory.LazyAttribute(lambda o: o.leader.name if o.leader else "Dana Outside")
    leader = None


class PlaceFactory(TenantFactory):
    _parents = ("cohort",)

    class Meta:
        model = Place

    partnership = factory.SubFactory(PartnershipFactory)
    cohort = in_parent_partnership(CohortFactory)
    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Participant {n}")
    email = factory.Sequence(lambda n: f"participant{n}@school.example.org")
    job_role = "Head of maths"
    status = PlaceStatus.ACCEPTED
    nominated_by = factory.SubFactory(UserFactory)
