"""The directory: shared reference data (local authorities, schools) and each partnership's own rows
(specialisms, system leaders, clusters, alliances, its relationship with a school)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django_scopes import scopes_disabled

from alliances.models import (
    Alliance,
    AllianceRole,
    AllianceSchool,
    Cluster,
    ClusterSchool,
    LeaderStatus,
    LocalAuthority,
    PartnershipSchool,
    Phase,
    School,
    Specialism,
    SpecialismGroup,
    SystemLeader,
)
from alliances.services import ensure_default_specialisms
from tests.factories.base import TenantFactory, in_parent_partnership, set_m2m
from tests.factories.portal import PartnershipFactory


class LocalAuthorityFactory(factory.django.DjangoModelFactory):
    """Cambridgeshire (DfE code 873, the personas' LA) unless told otherwise; found, not duplicated."""

    class Meta:
        model = LocalAuthority
        django_get_or_create = ("code",)

    code = "873"
    name = "Cambridgeshire"


class SchoolFactory(factory.django.DjangoModelFactory):
    """An open primary school. Schools are shared reference data keyed by URN: asking for a URN that
    exists returns that school as it is."""

    class Meta:
        model = School
        django_get_or_create = ("urn",)

    urn = factory.Sequence(lambda n: f"{500000 + n}")
    name = factory.Sequence(lambda n: f"Test Primary School {n}")
    la = factory.SubFactory(LocalAuthorityFactory)
    phase = Phase.PRIMARY


def default_specialisms(partnership) -> dict[str, Specialism]:
    """The partnership's default taxonomy (the app's own seed list, one bulk insert), by name."""
    with scopes_disabled():
        ensure_default_specialisms(partnership=partnership)
        return {s.name: s for s in Specialism.objects.filter(partnership=partnership)}


class SpecialismFactory(TenantFactory):
    class Meta:
        model = Specialism

    partnership = factory.SubFactory(PartnershipFactory)
    group = SpecialismGroup.TEACHING
    name = factory.Sequence(lambda n: f"Specialism {n}")


class SystemLeaderFactory(TenantFactory):
    """An active SLE who can be offered work: primary phase, 10 days a term, release consent given.

    `specialisms=[...]` sets their specialisms (rows carry the leader's partnership)."""

    class Meta:
        model = SystemLeader

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Leader {n}")
    email = factory.LazyAttribute(lambda o: f"{o.name.split()[0].lower()}@leaders.example.org")
    home_school = factory.SubFactory(SchoolFactory)
    designation = "SLE"
    designated_on = date(2024, 9, 1)
    review_due = date(2028, 9, 1)
    status = LeaderStatus.ACTIVE
    capacity_days_per_term = Decimal(10)
    release_consent_by = "Head"
    release_consent_on = date(2024, 8, 1)
    phase_primary = True

    @factory.post_generation
    def specialisms(obj, create, extracted, **kwargs):
        if create:
            set_m2m(obj, "specialisms", extracted)


class PartnershipSchoolFactory(TenantFactory):
    class Meta:
        model = PartnershipSchool

    partnership = factory.SubFactory(PartnershipFactory)
    school = factory.SubFactory(SchoolFactory)
    is_member = True


class ClusterFactory(TenantFactory):
    """A cluster for 2026-27; `schools=[...]` adds member schools."""

    class Meta:
        model = Cluster

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Cluster {n}")
    la = factory.SubFactory(LocalAuthorityFactory)
    academic_year = "2026-27"

    @factory.post_generation
    def schools(obj, create, extracted, **kwargs):
        if create:
            for school in extracted or ():
                ClusterSchoolFactory(cluster=obj, school=school)


class ClusterSchoolFactory(TenantFactory):
    _parents = ("cluster",)

    class Meta:
        model = ClusterSchool

    partnership = factory.SubFactory(PartnershipFactory)
    cluster = in_parent_partnership(ClusterFactory)
    school = factory.SubFactory(SchoolFactory)


class AllianceFactory(TenantFactory):
    """An alliance; `leads=[...]` and `members=[...]` add its schools."""

    class Meta:
        model = Alliance

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Alliance {n}")

    @factory.post_generation
    def leads(obj, create, extracted, **kwargs):
        if create:
            for school in extracted or ():
                AllianceSchoolFactory(alliance=obj, school=school, role=AllianceRole.LEAD)

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create:
            for school in extracted or ():
                AllianceSchoolFactory(alliance=obj, school=school, role=AllianceRole.MEMBER)


class AllianceSchoolFactory(TenantFactory):
    _parents = ("alliance",)

    class Meta:
        model = AllianceSchool

    partnership = factory.SubFactory(PartnershipFactory)
    alliance = in_parent_partnership(AllianceFactory)
    school = factory.SubFactory(SchoolFactory)
    role = AllianceRole.MEMBER
