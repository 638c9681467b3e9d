"""The home pages read each queue's first rows and its size in one statement (`portal.queues.first_and_total`): the
same rows, in the same order, and the same count as the two queries it replaced, on the dashboards' world."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from alliances.selectors import designations_due
from deployments.models import DeploymentStatus, OfferStatus
from deployments.requests.selectors import triage_queue
from deployments.reviews.selectors import overdue_reviews
from deployments.visibility import deployments_for, offers_for, requests_for
from portal.notifications.models import Channel, Notification
from portal.notifications.selectors import latest_and_unread, notifications_for, unread_count
from portal.queues import first_and_total
from programmes.orders.selectors import waiting_orders

pytestmark = [pytest.mark.django_db]


def _queues(membership):
    today = timezone.localdate()
    visible = deployments_for(membership=membership)
    return {
        "offers": offers_for(membership=membership).filter(status=OfferStatus.OPEN).order_by("expires_at", "pk"),
        "overdue reviews": overdue_reviews(membership=membership),
        "proposed": visible.filter(status=DeploymentStatus.PROPOSED).order_by("proposed_at", "pk"),
        "all deployments": visible.select_related("school", "leader").order_by("-proposed_at", "-pk"),
        "requests": requests_for(membership=membership).order_by("created_at", "pk"),
        "triage": triage_queue(membership=membership),
        "designations": designations_due(membership=membership, today=today, within_days=400),
        "orders": waiting_orders(membership=membership),
        "nothing": visible.filter(pk__in=[]).order_by("pk"),
        "no rows": visible.filter(status="no such status").order_by("pk"),
    }


@pytest.mark.parametrize("shown", [1, 2, 10])
def test_first_and_total_is_the_list_and_the_count(world, shown):
    totals = []
    with scope(partnership=world.partnership):
        for name, queryset in _queues(world.broker).items():
            expected = (list(queryset[:shown]), queryset.count())
            with CaptureQueriesContext(connection) as queries:
                rows, total = first_and_total(queryset, shown)
            assert len(queries) == (0 if name == "nothing" else 1), name  # Django knows `pk__in=[]` finds nothing
            assert (rows, total) == expected, name
            # The same fields loaded (and the same related rows), plus the total.
            assert [row.__dict__.keys() - {"_queue_total"} for row in rows] == [
                row.__dict__.keys() for row in expected[0]], name
            totals.append(total)
    assert max(totals) > 2 and 0 in totals, "queues longer than some lists shown, and an empty one"


def test_latest_and_unread_is_the_list_and_the_unread_count(world):
    broker = world.broker
    with scope(partnership=world.partnership):
        assert latest_and_unread(partnership=world.partnership, user=broker.user, shown=5) == ([], 0)
        now = timezone.now()
        for minutes in range(7):
            Notification.objects.create(
                partnership=world.partnership, recipient=broker.user, email=broker.user.email, channel=Channel.IN_APP,
                event_type="test", dedupe_key=f"test:{minutes}", title=f"N{minutes}",
                created_at=now - timedelta(minutes=minutes),
                read_at=now if minutes % 3 == 0 else None)
        mine = notifications_for(partnership=world.partnership, user=broker.user)
        for shown in (1, 5, 10):
            assert latest_and_unread(partnership=world.partnership, user=broker.user, shown=shown) == (
                list(mine[:shown]), unread_count(partnership=world.partnership, user=broker.user))
        assert unread_count(partnership=world.partnership, user=broker.user) == 4


@pytest.mark.parametrize("shown", [1, 2, 10])
def test_firsts_and_totals_is_each_queue_alone(world, shown):
    """Several queues in one statement (the broker's requests): each queue's rows, order and count as
    `first_and_total` reads it alone, including an empty queue and one limited by a subquery."""
    from django.db.models import Q

    from deployments.brokerage.selectors import awaiting_proposal
    from deployments.models import RequestStatus, SupportRequest
    from portal.queues import firsts_and_totals

    with scope(partnership=world.partnership):
        for n, status in enumerate(["submitted", "submitted", "triaged", "triaged", "matched"]):
            SupportRequest.objects.create(partnership=world.partnership, school=world.requests["R2"].school,
                                          created_by=world.broker.user, status=status, days_wanted=1,
                                          assigned_broker=world.broker.user if n % 2 else None,
                                          submitted_at=world.requests["R2"].submitted_at,  # ties broken by pk
                                          triaged_at=timezone.now() if status != "submitted" else None)
        base = requests_for(membership=world.broker)
        mine = Q(assigned_broker=world.broker.user, status=RequestStatus.TRIAGED)
        alone = {"to_propose": awaiting_proposal(membership=world.broker),
                 "my_requests": base.filter(mine).order_by("triaged_at", "pk"),
                 "triage_queue": triage_queue(membership=world.broker),
                 "none": base.filter(status="no such status").order_by("pk")}
        with CaptureQueriesContext(connection) as queries:
            together = firsts_and_totals(base, {
                "to_propose": (Q(status=RequestStatus.MATCHED), ("triaged_at", "pk")),
                "my_requests": (Q(status=RequestStatus.TRIAGED), ("triaged_at", "pk")),
                "triage_queue": (Q(status=RequestStatus.SUBMITTED), ("submitted_at", "pk")),
                "none": (Q(status="no such status"), ("submitted_at", "pk"))}, shown,
                rows_of={"to_propose": Q(pk__in=awaiting_proposal(membership=world.broker).values("pk")),
                         "my_requests": mine})
        assert len(queries) == 1
        for name, queryset in alone.items():
            assert together[name] == (list(queryset[:shown]), queryset.count()), name
        assert together["triage_queue"][1] == 3 and together["none"] == ([], 0)


def test_have_rows_answers_each_exists_in_one_statement(world):
    """`have_rows` (the homes' "is there anything?" question, `portal.ui.sections.IfAny`) answers as `exists()` does
    for each queue, in one statement; `pk__in=[]` is answered without asking."""
    from portal.queues import have_rows

    with scope(partnership=world.partnership):
        queues = _queues(world.broker)
        expected = [queryset.exists() for queryset in queues.values()]
        with CaptureQueriesContext(connection) as queries:
            answers = have_rows(list(queues.values()))
        assert len(queries) == 1
        assert answers == expected and True in answers and False in answers
        with CaptureQueriesContext(connection) as queries:
            assert have_rows([queues["nothing"]]) == [False] and have_rows([]) == []
        assert len(queries) == 0


def test_a_section_reads_a_list_only_if_it_has_rows(world):
    """`sections_for` asks every often-empty part (`listed`, `queued`) of every provider in one statement, then reads the parts with rows and
    gives the others their empty context; the rest of the providers' context passes as it was."""
    from portal.ui import sections

    with scope(partnership=world.partnership):
        queues = _queues(world.broker)

        def provider(**_):
            return {"plain": 1, **sections.listed("deployments", queues["all deployments"], 2),
                    **sections.queued("requests", queues["requests"], 1, "requests_count"),
                    **sections.listed("no_rows", queues["no rows"], 5)}

        sections.register_section("test page", provider)
        try:
            with CaptureQueriesContext(connection) as queries:
                found = sections.sections_for("test page")
        finally:
            sections._providers.pop("test page")
        requests = queues["requests"]
        assert found == {"plain": 1, "deployments": list(queues["all deployments"][:2]), "requests": list(requests[:1]),
                         "requests_count": requests.count(), "no_rows": []}
        # The question, then the two lists with rows.
        assert len(queries) == 3 and found["deployments"] and found["requests_count"] > 1
