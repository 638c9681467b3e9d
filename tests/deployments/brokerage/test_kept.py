"""Kept rankings (PostgreSQL): the matching page's ranking is kept in the cache and used again only while nothing
it reads has changed. Every kind of change makes the next view work it out again; the triggers cover every table
the ranking reads; partnerships never share an entry; a failing cache or a transaction's own changes never show a
stale ranking. Transactional: a version is of committed changes (a test's own open transaction never keeps one)."""

# ruff: noqa: F811 - `matching_world` is a fixture imported from test_matching and taken as an argument

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from alliances.models import LeaderSpecialism, School, SystemLeader
from deployments.brokerage import kept, matching
from deployments.models import Deployment, DeploymentStatus, Offer, OfferStatus, RequestNeed
from portal import change_log
from portal.tenancy.models import Partnership
from tests.change_logs import assert_reads_its_own_and_writes_none, counted, tables_read, triggered_tables
from tests.deployments.brokerage.test_matching import matching_world  # noqa: F401 - a fixture
from tests.factories import (
    CalendarPeriodFactory,
    CapacityEntryFactory,
    DeploymentFactory,
    OfferFactory,
    SupportRequestFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="rankings are kept on PostgreSQL only")]

@pytest.fixture
def worked_out(monkeypatch):
    """The questions the database was asked to rank (each a ranking not taken from the cache)."""
    return counted(monkeypatch, matching, "rank_in_sql")


@pytest.fixture
def ask(partnership, matching_world):
    target, spec, _ = matching_world

    def asking(partnership=partnership, **changed):
        question = dict(partnership=partnership, school=target, need_ids=[spec["Mathematics"].pk],
                        need_groups={"teaching"}, days_wanted=Decimal(2), support_level="targeted", limit=50,
                        excluded_limit=100, keep=True)
        question.update(changed)
        with scope(partnership=partnership):
            return matching.ranking(**question)
    return asking


def _names(found):
    return [c.leader.name for c in found.ranked], [c.leader.name for c in found.excluded]


def test_a_ranking_is_kept_and_equal_to_one_worked_out(ask, worked_out):
    first = ask()
    again = ask()
    assert len(worked_out) == 1
    assert _names(again) == _names(first) and (again.ranked_count, again.excluded_count) == (first.ranked_count,
                                                                                             first.excluded_count)
    assert [(c.score, c.why) for c in again.ranked] == [(c.score, c.why) for c in first.ranked]
    assert _names(ask(keep=False)) == _names(first) and len(worked_out) == 2  # without keep: always worked out


def _changes(partnership, matching_world):
    """(what changed, the change) for every table the ranking reads."""
    target, spec, leaders = matching_world
    best, half = leaders["best"], leaders["half"]
    request = SupportRequestFactory(triaged=True, partnership=partnership, school=target)

    def add_deployment():
        return DeploymentFactory(partnership=partnership, request=request, leader=half)

    return [
        ("a leader renamed", lambda: SystemLeader.objects.filter(pk=best.pk).update(name="Amy Renamed")),
        ("a leader saved", lambda: SystemLeader.objects.get(pk=half.pk).save()),
        ("a need area added to a leader", lambda: LeaderSpecialism.objects.create(
            partnership=partnership, leader=half, specialism=spec["Assessment and moderation"])),
        ("a need area taken away", lambda: LeaderSpecialism.objects.filter(leader=half).delete()),
        ("a deployment", add_deployment),
        ("a deployment completed", lambda: Deployment.objects.filter(leader=half).update(
            status=DeploymentStatus.COMPLETED, closed_at=timezone.now())),
        ("days committed", lambda: CapacityEntryFactory(partnership=partnership,
                                                        deployment=Deployment.objects.filter(leader=half).first())),
        ("an offer made", lambda: OfferFactory(partnership=partnership, request=request, leader=best)),
        ("an offer declined", lambda: Offer.objects.filter(leader=best).update(status=OfferStatus.DECLINED)),
        ("the partnership's settings", lambda: Partnership.objects.filter(pk=partnership.pk).update(
            overdue_leaders_in_matching="exclude")),
        ("term dates", lambda: CalendarPeriodFactory(partnership=partnership)),
        ("a home school renamed", lambda: School.objects.filter(urn=best.home_school_id).update(name="Renamed")),
    ]


def test_every_kind_of_change_makes_the_next_view_work_the_ranking_out_again(partnership, matching_world, ask,
                                                                             worked_out):
    for what, change in _changes(partnership, matching_world):
        ask()
        before = len(worked_out)
        ask()
        assert len(worked_out) == before, f"kept before {what}"
        change()
        ask()
        assert len(worked_out) == before + 1, f"worked out again after {what}"
    assert "Amy Renamed" in _names(ask())[0]


def test_a_changed_question_is_asked_afresh(partnership, matching_world, ask, worked_out):
    target, spec, _ = matching_world
    ask()
    tomorrow = timezone.localdate() + timedelta(days=1)
    other_school = School.objects.get(urn=matching_world[2]["far"].home_school_id)
    for changed in ({"today": tomorrow}, {"need_ids": [spec["Science"].pk]}, {"need_groups": {"leadership"}},
                    {"days_wanted": Decimal(3)}, {"support_level": "intensive"}, {"designation": "NLE"},
                    {"within_km": 5.0}, {"limit": 10}, {"excluded_limit": 5}, {"request_id": 1},
                    {"preferred_start": tomorrow}, {"school": other_school}):
        before = len(worked_out)
        ask(**changed)
        assert len(worked_out) == before + 1, changed
        ask(**changed)
        assert len(worked_out) == before + 1, changed


def test_a_request_whose_needs_change_is_ranked_again_on_its_page(client, partnership, headteacher, broker,
                                                                  matching_world, worked_out):
    target, spec, _ = matching_world
    request = SupportRequestFactory(triaged=True, partnership=partnership, school=target, created_by=headteacher.user,
                                    needs=[spec["Mathematics"]], assigned_broker=broker.user)
    client.force_login(broker.user)
    url = f"/p/{partnership.slug}/requests/{request.pk}/candidates/"
    client.get(url)
    assert b"covers 1 of 1 need areas" in client.get(url).content and len(worked_out) == 1
    RequestNeed.objects.create(partnership=partnership, request=request, specialism=spec["Science"])
    assert b"covers 1 of 2 need areas" in client.get(url).content and len(worked_out) == 2
    type(request).objects.filter(pk=request.pk).update(days_wanted=Decimal(1))
    client.get(url)
    assert len(worked_out) == 3


def test_two_partnerships_never_share_a_kept_ranking(partnership, other_partnership, ask, worked_out):
    mine = ask()
    theirs = ask(partnership=other_partnership)
    assert len(worked_out) == 2 and mine.ranked and not theirs.ranked and not theirs.excluded
    assert _names(ask()) == _names(mine) and len(worked_out) == 2
    # Another partnership's change is not this one's.
    SystemLeader.objects.filter(partnership=other_partnership).update(name="x")
    CalendarPeriodFactory(partnership=other_partnership)
    ask()
    assert len(worked_out) == 2


def test_a_transaction_that_changed_what_matching_reads_neither_reads_nor_keeps_a_ranking(partnership, matching_world,
                                                                                          ask, worked_out):
    ask()
    with transaction.atomic():
        SystemLeader.objects.filter(pk=matching_world[2]["best"].pk).update(name="Amy Uncommitted")
        assert "Amy Uncommitted" in _names(ask())[0] and len(worked_out) == 2
        ask()
        assert len(worked_out) == 3
        transaction.set_rollback(True)
    assert "Amy Uncommitted" not in _names(ask())[0]


def test_a_failing_cache_means_working_the_ranking_out(ask, worked_out, monkeypatch):
    class Broken:
        def get(self, *args, **kwargs):
            raise ConnectionError("Redis is down")

        set = get

    monkeypatch.setattr(change_log, "cache", Broken())
    assert _names(ask()) == _names(ask()) and len(worked_out) == 2


def test_a_pruning_forgets_the_changes_and_every_kept_ranking(ask, worked_out, partnership):
    ask()
    assert kept.prune() > 0
    with scope(partnership=partnership):
        assert kept.version(partnership.pk)[1] == 0
    ask()
    ask()
    assert len(worked_out) == 2


def test_the_triggers_cover_every_table_the_ranking_reads(partnership, matching_world):
    target, spec, leaders = matching_world
    request = SupportRequestFactory(triaged=True, partnership=partnership, school=target, needs=[spec["Mathematics"]])
    # The request, its school and its need areas are read before (the view has them) and are in the key by value:
    # what is kept is what the ranking reads after that.
    needs, request.school = [spec["Mathematics"]], School.objects.get(pk=request.school_id)
    with scope(partnership=partnership), CaptureQueriesContext(connection) as captured:
        matching.ranking_for_request(request, limit=50, excluded_limit=100, needs=needs)  # not kept: every query runs
        matching.ranking_for_request(request, needs=needs)  # every row: the other form of the statement
    read = tables_read(captured.captured_queries)
    assert {"alliances_systemleader", "deployments_deployment", "alliances_school"} <= read  # the search works
    triggered = triggered_tables("matching_change")
    assert read <= triggered, f"tables the ranking reads without a trigger recording their changes: {read - triggered}"


def test_the_application_reads_its_own_partnerships_changes_and_writes_none(partnership, other_partnership,
                                                                           matching_world):
    CalendarPeriodFactory(partnership=other_partnership)  # a change of the other partnership's
    assert_reads_its_own_and_writes_none("matching_change", partnership)


def test_the_daily_reminders_run_prunes_the_changes(partnership, matching_world, monkeypatch):
    from types import SimpleNamespace

    from deployments import tasks

    monkeypatch.setattr(tasks, "run_reminders", lambda **_: SimpleNamespace(partnerships=0, reminders=0,
                                                                           reviews_created=0))
    with scope(partnership=partnership):
        before = kept.version(partnership.pk)
        tasks.reminders_task()
        after = kept.version(partnership.pk)
    assert before[1] > 0 and after[1] == 0 and after[0] == before[0] + 1


def test_the_candidates_page_reads_the_needs_and_the_version_with_the_request(partnership, matching_world):
    from deployments.brokerage.selectors import ranking_inputs, with_ranking_inputs
    from deployments.requests.selectors import request_needs

    target, spec, _ = matching_world
    areas = [spec["Science"], spec["Mathematics"], spec["Assessment and moderation"]]
    request = SupportRequestFactory(triaged=True, partnership=partnership, school=target, needs=areas)
    bare = SupportRequestFactory(triaged=True, partnership=partnership, school=target, needs=[])
    with scope(partnership=partnership):
        found = with_ranking_inputs(type(request).objects.filter(partnership=partnership)).get(pk=request.pk)
        needs, version = ranking_inputs(found)
        expected = request_needs(request=request)
        assert [(n.pk, n.group, n.name) for n in needs] == [(n.pk, n.group, n.name) for n in expected]
        assert len(needs) == 3 and version == kept.version(partnership.pk)
        empty = with_ranking_inputs(type(request).objects.filter(partnership=partnership)).get(pk=bare.pk)
        assert ranking_inputs(empty)[0] == []
        assert ranking_inputs(type(request).objects.get(pk=request.pk)) == (None, None)  # read without them
