"""Brokerage under contention on real PostgreSQL: twenty people at the same transition, exactly one wins."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from alliances.models import SystemLeader
from deployments import processes
from deployments.brokerage import offers, proposals
from deployments.brokerage.proposals import ObjectiveInput
from deployments.delivery.capacity import CapacityExceeded
from deployments.models import CapacityEntry, Deployment, DeploymentStatus, Offer, OfferStatus, SupportRequest
from deployments.workflow import TransitionNotAllowed
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.tenancy.roles import Role
from tests.conftest import require
from tests.deployments.conftest import make_leader, triaged_request
from tests.factories import make_member
from tests.tenancy.test_races import race

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 20


@pytest.fixture
def postgres():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


@pytest.fixture
def racers():
    """THREADS threads for a test's many races, released together each time like `race()`, that keep their
    database connections from one race to the next (as web workers keep theirs) instead of connecting anew."""
    pool = ThreadPoolExecutor(THREADS)

    def all_threads(function, actions):
        barrier = threading.Barrier(len(actions))  # every action waits here: each runs on a thread of its own

        def run(action):
            barrier.wait(30)
            return function(action)

        return [pool.submit(run, action) for action in actions]

    def run_race(*actions):
        assert len(actions) == THREADS
        results, errors = [], []

        def attempt(action):
            with scopes_disabled():
                return action()

        for future in all_threads(attempt, actions):
            try:
                results.append(future.result(60))
            except Exception as error:  # collected for the assertions
                errors.append(error)
        return results, errors

    yield run_race
    for future in all_threads(lambda _: connections.close_all(), [None] * THREADS):
        future.result(60)
    pool.shutdown()


def _matched(b, leader, leader_member):
    request = triaged_request(b.head, b.broker, b.spec, start=timezone.localdate())
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=request, leaders=[leader])
        processes.accept_offer(actor=leader_member, offer=Offer.objects.get(pk=offer.pk))
        return SupportRequest.objects.get(pk=request.pk)


def test_twenty_approvers_at_once_approve_a_deployment_exactly_once_fifty_times(postgres, brokerage, racers):
    b = brokerage
    with scopes_disabled():
        SystemLeader.objects.filter(pk=b.leader.pk).update(capacity_days_per_term=Decimal("999"))
    today = timezone.localdate()
    # The fifty proposals first, then the other approvers: a proposal notifies (and emails) every approver,
    # which took most of this test's time and is none of what it checks.
    proposed = []
    for _attempt in range(50):
        request = _matched(b, b.leader, b.leader_member)
        with scope(partnership=b.partnership):
            proposed.append((request, proposals.propose_deployment(
                actor=b.broker, request=request, objectives=[ObjectiveInput(b.spec["Mathematics"], "Lift maths", "80%")],
                days=Decimal(3), rate_kind="member", day_rate=Decimal(350), funder="school", start_date=today,
                end_date=today + timedelta(days=20))))
    approvers = [b.approver] + [make_member(b.partnership, Role.APPROVER) for _ in range(THREADS - 1)]
    for request, deployment in proposed:

        def approve(approver, pk=deployment.pk):
            def action():
                with scope(partnership=b.partnership):
                    fresh = Deployment.objects.get(pk=pk)
                    return processes.decide_deployment(actor=approver, deployment=fresh, approve=True, rationale="Yes")
            return action

        results, errors = racers(*[approve(a) for a in approvers])
        assert len(results) == 1, errors
        assert len(errors) == THREADS - 1 and all(isinstance(e, TransitionNotAllowed) for e in errors), errors
        with scopes_disabled():
            assert Deployment.objects.get(pk=deployment.pk).status == DeploymentStatus.APPROVED
            assert AuditEvent.objects.filter(action="deployment.approved", object_id=str(deployment.pk)).count() == 1
            told = Notification.objects.filter(event_type="deployment.decided",
                                               dedupe_key__contains=f":deployment:{deployment.pk}:decided:")
            assert told.count() == told.values("recipient", "channel").distinct().count() > 0
            assert sum(CapacityEntry.objects.filter(deployment=deployment).values_list("days", flat=True)) == 3
            assert not CapacityEntry.objects.filter(offer__request=request).exists()


def test_twenty_leaders_accepting_one_request_at_once_leave_exactly_one_match(postgres, brokerage, racers):
    b = brokerage
    members = [make_member(b.partnership, Role.SYSTEM_LEADER) for _ in range(THREADS)]
    with scopes_disabled():
        # Room for every attempt: one leader may win many of them, and only the request's lock is raced here.
        leaders = [make_leader(b.partnership, f"Racer {i}", b.leader.home_school, user=m.user, specialisms=["Mathematics"],
                               spec=b.spec, capacity=Decimal(999)) for i, m in enumerate(members)]
    for _attempt in range(10):
        request = triaged_request(b.head, b.broker, b.spec, start=timezone.localdate())
        with scope(partnership=b.partnership):
            made = offers.make_offers(actor=b.broker, request=request, leaders=leaders)

        def accept(member, offer):
            def action():
                with scope(partnership=b.partnership):
                    return processes.accept_offer(actor=member, offer=Offer.objects.get(pk=offer.pk))
            return action

        results, errors = racers(*[accept(m, o) for m, o in zip(members, made, strict=True)])
        assert len(results) == 1 and len(errors) == THREADS - 1, errors
        assert all(isinstance(e, TransitionNotAllowed) for e in errors), [repr(e) for e in errors]
        with scopes_disabled():
            statuses = list(Offer.objects.filter(request=request).values_list("status", flat=True))
            assert statuses.count(OfferStatus.ACCEPTED) == 1 and statuses.count(OfferStatus.WITHDRAWN) == THREADS - 1
            assert AuditEvent.objects.filter(action="request.matched", object_id=str(request.pk)).count() == 1
            assert CapacityEntry.objects.filter(offer__request=request).count() == 1


def test_a_leader_with_room_for_one_cannot_accept_two_requests_at_once(postgres, brokerage, racers):
    b = brokerage
    with scopes_disabled():
        SystemLeader.objects.filter(pk=b.leader.pk).update(capacity_days_per_term=Decimal(3))
    for _attempt in range(5):
        with scopes_disabled():
            CapacityEntry.objects.filter(leader=b.leader).delete()
        made = []
        for _ in range(THREADS):
            request = triaged_request(b.head, b.broker, b.spec, start=timezone.localdate())
            with scope(partnership=b.partnership):
                made += offers.make_offers(actor=b.broker, request=request, leaders=[b.leader])

        def accept(offer):
            def action():
                with scope(partnership=b.partnership):
                    return processes.accept_offer(actor=b.leader_member, offer=Offer.objects.get(pk=offer.pk))
            return action

        results, errors = racers(*[accept(o) for o in made])
        assert len(results) == 1 and len(errors) == THREADS - 1, errors
        assert all(isinstance(e, CapacityExceeded) for e in errors), errors
        with scopes_disabled():
            assert sum(CapacityEntry.objects.filter(leader=b.leader).values_list("days", flat=True)) == 3


@pytest.mark.parametrize("attempt", range(3))
def test_twenty_watch_clicks_at_once_leave_one_watch_and_one_audit_event(postgres, brokerage, attempt):
    """A broker double-clicking in several tabs: the watchlist holds the deployment once, audited once."""
    from deployments.delivery.watchlist import set_watch
    from deployments.models import Watch

    b = brokerage
    with scopes_disabled():
        SystemLeader.objects.filter(pk=b.leader.pk).update(capacity_days_per_term=Decimal("999"))
    request = _matched(b, b.leader, b.leader_member)
    today = timezone.localdate()
    with scope(partnership=b.partnership):
        deployment = proposals.propose_deployment(
            actor=b.broker, request=request, objectives=[ObjectiveInput(b.spec["Mathematics"], "Lift maths", "80%")],
            days=Decimal(3), rate_kind="member", day_rate=Decimal(350), funder="school", start_date=today,
            end_date=today + timedelta(days=20))

    def watch():
        with scope(partnership=b.partnership):
            return set_watch(actor=b.broker, deployment=Deployment.objects.get(pk=deployment.pk), watch=True)

    results, errors = race(*[watch for _ in range(THREADS)])
    assert not errors and results == [True] * THREADS
    with scopes_disabled():
        assert Watch.objects.filter(user=b.broker.user, deployment=deployment).count() == 1
        assert AuditEvent.objects.filter(action="watchlist.added", note=f"Deployment {deployment.reference}").count() == 1
