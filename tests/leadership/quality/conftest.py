"""A partnership with quality assurance under way: a QA group led by an NLE (the `system_leader` persona), one SLE
in it with an active deployment at Histon and Impington Junior School, and one SLE in no group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from alliances.models import SystemLeader
from deployments.models import Deployment, DeploymentStatus
from leadership.models import Competency, QAGroup, QAGroupMember, RatingLevel
from portal.calendar.schooldays import academic_year_of
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role
from tests.factories import DeploymentFactory, SchoolFactory, SupportRequestFactory, SystemLeaderFactory, make_member
from tests.leadership.quality.world import framework_rows


@dataclass
class QA:
    partnership: object
    broker: Membership
    approver: Membership
    la_officer: Membership
    head: Membership
    lead_member: Membership
    leader_member: Membership
    loner_member: Membership
    lead: SystemLeader
    leader: SystemLeader
    loner: SystemLeader
    group: QAGroup
    competencies: list[Competency]
    levels: list[RatingLevel]
    deployment: Deployment


@pytest.fixture
def qa(partnership, headteacher, broker, approver, la_officer, system_leader) -> QA:
    today = timezone.localdate()
    with scopes_disabled():
        home = SchoolFactory(urn="110750", name="St Matthew's Primary School")
        leader_member = make_member(partnership, Role.SYSTEM_LEADER)
        loner_member = make_member(partnership, Role.SYSTEM_LEADER)
        lead = SystemLeaderFactory(partnership=partnership, name="Nia Lead", designation="NLE", home_school=home,
                                   user=system_leader.user)
        leader = SystemLeaderFactory(partnership=partnership, name="Sam Member", home_school=home,
                                     user=leader_member.user, designated_on=today - timedelta(days=1000),
                                     review_due=today + timedelta(days=400))
        loner = SystemLeaderFactory(partnership=partnership, name="Lou Loner", home_school=home,
                                    user=loner_member.user)
        group = QAGroup.objects.create(partnership=partnership, name="Cambridge NLE cluster", lead=lead)
        QAGroupMember.objects.create(partnership=partnership, group=group, leader=leader)
        competencies, levels = framework_rows(partnership)
        request = SupportRequestFactory(partnership=partnership, school=headteacher.schools.get(),
                                        created_by=headteacher.user, matched=True)
        deployment = DeploymentFactory(partnership=partnership, request=request, leader=leader,
                                       status=DeploymentStatus.ACTIVE, proposed_by=broker.user,
                                       start_date=today - timedelta(days=30), end_date=today + timedelta(days=60))
    return QA(partnership, broker, approver, la_officer, headteacher, system_leader, leader_member, loner_member,
              lead, leader, loner, group, competencies, levels, deployment)


def in_year(today: date | None = None) -> tuple[str, date]:
    """This academic year and a day inside it that is not after today."""
    today = today or timezone.localdate()
    return academic_year_of(today), today
