"""Brokerage fixtures shared by the deployments tests.

* `brokerage`: a partnership ready to broker: a headteacher's request taken on, and two system leaders
  who fit, arranged with factories.
* Helpers that drive the real services through the stages before the one a test is about (offer, accept,
  propose, approve, confirm): a test of a later stage starts from what the earlier services really leave.
* `world`: the dashboards' hand-computed partnership (tests/factories/worlds.py), for home pages and the
  watchlist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from alliances.models import Phase, School, Specialism, SystemLeader
from deployments import processes
from deployments.brokerage import offers, proposals
from deployments.brokerage.proposals import ObjectiveInput
from deployments.delivery import visits
from deployments.models import CapacityEntry, Deployment, Offer, SupportRequest
from portal.calendar.bank_holidays import is_bank_holiday
from portal.notifications.models import Channel, Notification
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role
from tests.factories import SchoolFactory, SupportRequestFactory, SystemLeaderFactory, default_specialisms, make_member
from tests.factories.worlds import World, build_world


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
    spec: dict[str, Specialism]


def make_leader(partnership, name, home, *, user=None, capacity=Decimal(10), specialisms=(), spec=None,
                **extra) -> SystemLeader:
    """A system leader who can be offered work (SystemLeaderFactory), with specialisms named from `spec`."""
    return SystemLeaderFactory(partnership=partnership, name=name, home_school=home, user=user,
                               capacity_days_per_term=capacity, specialisms=[spec[s] for s in specialisms], **extra)


def triaged_request(head, broker, spec, *, days=Decimal(3), start=None) -> SupportRequest:
    """A Mathematics request from the head's school, taken on by `broker` as targeted support: the row
    that writing, sending and triaging it leaves (without their audit events and notifications)."""
    with scopes_disabled():
        request = SupportRequestFactory(
            triaged=True, partnership=head.partnership, school=head.schools.get(), created_by=head.user,
            needs=[spec["Mathematics"]], context="Maths results fell <b>sharply</b>.", days_wanted=days,
            preferred_start=start, assigned_broker=broker.user, triage_note="Fits.")
        return SupportRequest.objects.get(pk=request.pk)  # as the services read it back (Decimal places and all)


@pytest.fixture
def brokerage(partnership, headteacher, broker, approver, system_leader) -> Brokerage:
    """Histon's head asks for maths support, taken on by the broker; Amy Best (the `system_leader`) and Ben
    Second, both maths SLEs at St Matthew's, a few kilometres away, fit."""
    School.objects.filter(urn="139087").update(phase=Phase.PRIMARY, easting=544_900, northing=262_500)
    home = SchoolFactory(urn="110750", name="St Matthew's Primary School", easting=546_000, northing=258_000)
    other_member = make_member(partnership, Role.SYSTEM_LEADER)
    spec = default_specialisms(partnership)
    leader = make_leader(partnership, "Amy Best", home, user=system_leader.user, specialisms=["Mathematics"], spec=spec)
    other = make_leader(partnership, "Ben Second", home, user=other_member.user, specialisms=["Mathematics"], spec=spec)
    request = triaged_request(headteacher, broker, spec, start=timezone.localdate() + timedelta(days=7))
    return Brokerage(partnership, headteacher, broker, approver, system_leader, other_member, leader, other, request, spec)


@pytest.fixture
def world(partnership, broker, la_officer) -> World:
    return build_world(partnership, broker, la_officer)


# The outbox and the capacity ledger --------------------------------------------------------------------------


def email_rows(kind: str) -> list[Notification]:
    """The outbox's email rows of one event type."""
    with scopes_disabled():
        return list(Notification.objects.filter(event_type=kind, channel=Channel.EMAIL).select_related("recipient"))


def deliver(kind: str) -> list:
    """Deliver the outbox rows of `kind` through the real delivery code; return the messages sent."""
    from portal.notifications.services import deliver_notification

    sent_before = len(mail.outbox)
    for row in email_rows(kind):
        with scope(partnership=row.partnership_id):
            deliver_notification(notification_id=row.pk)
    return mail.outbox[sent_before:]


def held_days(leader) -> Decimal:
    """Every day the capacity ledger holds for `leader`, in any term."""
    with scopes_disabled():
        return sum(CapacityEntry.objects.filter(leader=leader).values_list("days", flat=True), Decimal(0))


def count_queries(client, url, user) -> int:
    """The queries one GET of `url` makes, signed in as `user`; the page must render."""
    return count_and_parse(client, url, user)[0]


def count_and_parse(client, url, user) -> tuple[int, BeautifulSoup]:
    """The queries one GET of `url` makes, signed in as `user`, and the page it rendered, parsed."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), BeautifulSoup(response.content, "html.parser")


# The earlier stages, through the real services ------------------------------------------------------------------


def school_day(back: int = 0) -> date:
    """The latest weekday on or before today that is not a bank holiday, then `back` such days before it: a day a
    visit may fall on in a partnership without term dates, whatever day of the week the tests run."""
    day, seen = timezone.localdate(), -1
    while True:
        if day.weekday() < 5 and not is_bank_holiday(day):
            seen += 1
            if seen == back:
                return day
        day -= timedelta(days=1)


def propose(b: Brokerage, **overrides) -> Deployment:
    """The broker proposes 3 days of maths support at the member rate, from the last school day (today, on a
    weekday) for 60 days."""
    today = timezone.localdate()
    values = {"objectives": [ObjectiveInput(b.spec["Mathematics"], "Lift KS2 maths", "80% at expected standard")],
              "days": Decimal(3), "rate_kind": "member", "day_rate": Decimal(350), "funder": "school",
              "start_date": school_day(), "end_date": today + timedelta(days=60), **overrides}
    return proposals.propose_deployment(actor=b.broker, request=b.request, **values)


def accepted(b: Brokerage) -> tuple[Offer, Offer]:
    """The request offered to both leaders; Amy Best accepts hers."""
    with scope(partnership=b.partnership):
        first, second = offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader, b.other_leader])
        processes.accept_offer(actor=b.leader_member, offer=Offer.objects.get(pk=first.pk))
    return first, second


def active(b: Brokerage) -> Deployment:
    """Accepted, proposed, approved and confirmed by both sides: the work has started."""
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b)
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Good fit.")
        processes.confirm_agreement(actor=b.head, deployment=Deployment.objects.get(pk=deployment.pk))
        processes.confirm_agreement(actor=b.leader_member, deployment=Deployment.objects.get(pk=deployment.pk))
        return Deployment.objects.get(pk=deployment.pk)


def deployment_for(b: Brokerage, request: SupportRequest, *, approve: bool = True) -> Deployment:
    """`request` offered to Amy Best, accepted and proposed (maths and science, 2 days, started ten days ago);
    with `approve`, also approved, confirmed by both sides and with a half day logged today."""
    today = timezone.localdate()
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=request, leaders=[b.leader])
        processes.accept_offer(actor=b.leader_member, offer=Offer.objects.get(pk=offer.pk))
        deployment = proposals.propose_deployment(
            actor=b.broker, request=SupportRequest.objects.get(pk=request.pk),
            objectives=[ObjectiveInput(b.spec["Mathematics"], "Lift maths", "80%"),
                        ObjectiveInput(b.spec["Science"], "Science", "Better")],
            days=Decimal(2), rate_kind="member", day_rate=Decimal(300), funder="school",
            start_date=today - timedelta(days=10), end_date=today + timedelta(days=30))
        if approve:
            processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Yes")
            processes.confirm_agreement(actor=b.head, deployment=Deployment.objects.get(pk=deployment.pk))
            processes.confirm_agreement(actor=b.leader_member, deployment=Deployment.objects.get(pk=deployment.pk))
            visits.log_visit(actor=b.leader_member, deployment=Deployment.objects.get(pk=deployment.pk),
                             visit_date=school_day(), days=Decimal("0.5"), focus="Maths")
        return Deployment.objects.get(pk=deployment.pk)
