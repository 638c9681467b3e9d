"""A partnership ready to broker: a headteacher's request taken on, and system leaders who fit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from alliances.models import LocalAuthority, Phase, School, Specialism, SystemLeader
from alliances.services import ensure_default_specialisms
from deployments.models import SupportRequest
from deployments.requests import services
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role
from tests.factories import make_member


@dataclass
class Brokerage:
    partnership: object
    head: Membership
    broker: Membership
    approver: Membership
    leader_member: Membership
    other_leader_member: Membership
    leader: SystemLeader
    other_leader: SystemLeader
    request: SupportRequest
    spec: dict


def make_leader(partnership, name, home, *, user=None, capacity=Decimal(10), specialisms=(), spec=None, **extra):
    values = {"designation": "SLE", "designated_on": date(2024, 9, 1), "review_due": date(2028, 9, 1),
              "capacity_days_per_term": capacity, "release_consent_by": "Head", "release_consent_on": date(2024, 8, 1),
              "phase_primary": True, "email": f"{name.split()[0].lower()}@leaders.example.org", **extra}
    leader = SystemLeader.objects.create(partnership=partnership, name=name, home_school=home, user=user, **values)
    if specialisms:
        leader.specialisms.set([spec[s] for s in specialisms], through_defaults={"partnership": partnership})
    return leader


def triaged_request(head, broker, spec, *, days=Decimal(3), start=None) -> SupportRequest:
    with scope(partnership=head.partnership):
        draft = services.start_request(actor=head, school=head.schools.get())
        services.update_draft(actor=head, request=draft, needs=[spec["Mathematics"]], context="Maths results fell <b>sharply</b>.",
                              success="Pupils back on track.", urgency="soon", days_wanted=days, funding_route="core",
                              consent_to_share=True, preferred_start=start)
        services.submit_request(actor=head, request=draft)
        services.triage_request(actor=broker, request=draft, eligible=True, support_level="targeted", note="Fits.")
        return SupportRequest.objects.get(pk=draft.pk)


@pytest.fixture
def brokerage(partnership, headteacher, broker, approver, system_leader) -> Brokerage:
    la, _ = LocalAuthority.objects.get_or_create(code="873", defaults={"name": "Cambridgeshire"})
    School.objects.filter(urn="139087").update(phase=Phase.PRIMARY, easting=544_900, northing=262_500)
    home = School.objects.create(urn="110750", name="St Matthew's Primary School", la=la, phase=Phase.PRIMARY,
                                 easting=546_000, northing=258_000)
    other_member = make_member(partnership, Role.SYSTEM_LEADER)
    with scopes_disabled():
        ensure_default_specialisms(partnership=partnership)
        spec = {s.name: s for s in Specialism.objects.filter(partnership=partnership)}
        leader = make_leader(partnership, "Amy Best", home, user=system_leader.user, specialisms=["Mathematics"], spec=spec)
        other = make_leader(partnership, "Ben Second", home, user=other_member.user, specialisms=["Mathematics"], spec=spec)
    request = triaged_request(headteacher, broker, spec, start=timezone.localdate() + timedelta(days=7))
    return Brokerage(partnership, headteacher, broker, approver, system_leader, other_member, leader, other, request, spec)
