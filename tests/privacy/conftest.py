"""One person with data in both partnerships, named in other people's texts, the outbox and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from alliances.models import SystemLeader
from deployments.models import Deployment, SupportRequest, Visit
from portal.accounts.models import User
from portal.audit.services import record_event
from portal.notifications.models import Channel
from portal.tenancy.models import Invitation, Membership
from portal.tenancy.roles import Role
from tests.factories import (
    DeploymentFactory,
    NotificationFactory,
    SchoolFactory,
    SupportRequestFactory,
    SystemLeaderFactory,
    UserFactory,
    VisitFactory,
    give_mfa,
    make_invitation,
    make_member,
)

EMAIL = "sam.jones@histon.example.org"


@dataclass
class Person:
    user: User
    leader: SystemLeader  # their profile in the first partnership
    deployment: Deployment
    visit: Visit
    request: SupportRequest  # made as a headteacher in the other partnership
    invitation: Invitation  # to the other partnership
    admin: Membership  # the first partnership's admin
    other_admin: Membership
    broker: Membership


@pytest.fixture
def person(partnership, other_partnership) -> Person:
    user = UserFactory(name="Sam Jones", email=EMAIL)
    give_mfa(user)
    make_member(partnership, Role.SYSTEM_LEADER, user=user)
    head = make_member(other_partnership, Role.HEADTEACHER, user=user)
    school = SchoolFactory(urn="110001", name="Histon Primary")
    head.schools.add(school)
    admin, other_admin = make_member(partnership, Role.ADMIN), make_member(other_partnership, Role.ADMIN)
    broker = make_member(partnership, Role.BROKER)
    leader = SystemLeaderFactory(partnership=partnership, user=user, name="Samantha Jones", email=EMAIL,
                                 phone="01223 000000", conflicts="Sam Jones's sister teaches at Impington.",
                                 release_consent_by="Pat Head")
    deployment = DeploymentFactory(partnership=partnership, leader=leader, proposed_by=broker.user,
                                   closing_summary="samantha jones did well; Sam Joneson helped.")
    visit = VisitFactory(partnership=partnership, deployment=deployment, logged_by=user, visit_date=date(2026, 9, 8),
                         focus="=HYPERLINK(\"http://bad.example\")", notes=f"Met Sam Jones ({EMAIL}) and the head.")
    request = SupportRequestFactory(partnership=other_partnership, school=school, created_by=user,
                                    context="Our head, Sam Jones, asks for help.")
    invitation = make_invitation(other_partnership, email=EMAIL.upper(), token="tok-sam", role=Role.BROKER)
    NotificationFactory(partnership=partnership, recipient=user, title="Sam Jones, you have an offer",
                        sent_at=None, channel=Channel.EMAIL)
    NotificationFactory(partnership=partnership, recipient=broker.user, title="Sam Jones accepted the offer",
                        context={"leader": "Samantha Jones", "note": "from Sam Jones"})
    record_event(partnership=partnership, action="visit.logged", actor=user, obj=visit, note="Logged by Sam Jones.")
    record_event(partnership=partnership, action="leader.changed", actor=broker.user, obj=leader,
                 old={"name": "Sam Jones"}, new={"name": "Samantha Jones", "phone": "01223 000000"})
    record_event(partnership=other_partnership, action="request.sent", actor=user, obj=request)
    record_event(partnership=partnership, action="member.invited", actor=admin.user, obj=admin,
                 note="Nothing about them.")
    return Person(user=user, leader=leader, deployment=deployment, visit=visit, request=request,
                  invitation=invitation, admin=admin, other_admin=other_admin, broker=broker)
