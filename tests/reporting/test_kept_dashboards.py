"""Kept dashboards (PostgreSQL): a dashboard's figures are kept in the cache and used again only while nothing they
read has changed. Every kind of change makes the next view work them out again, and then they are the figures
worked out afresh; the triggers cover every table the figures read; another scope, day, reader or partnership
never shares an entry; a failing cache or a transaction's own changes never show stale figures. Transactional: a
version is of committed changes (a test's own open transaction never keeps one)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

import reporting.dashboards as dashboards
from alliances.models import Cluster, ClusterSchool, LeaderSpecialism, LocalAuthority, School, SystemLeader
from deployments.models import Deployment, Objective, RequestNeed, Review, ReviewObjective, SupportRequest, Visit
from portal import change_log
from portal.calendar.models import CalendarPeriod
from reporting.filters import DashboardFilterForm
from tests.change_logs import assert_reads_its_own_and_writes_none, counted, tables_read, triggered_tables
from tests.factories import PartnershipFactory, make_member
from tests.factories.alliances import SchoolFactory
from tests.factories.deployments import CapacityEntryFactory, SupportRequestFactory, VisitFactory
from tests.factories.worlds import TODAY
from tests.reporting.conftest import board_for

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="figures are kept on PostgreSQL only")]

WORK_OUT = dashboards.work_out  # as it is, whatever a test counts

@pytest.fixture
def worked_out(monkeypatch):
    """The scopes whose figures were worked out from the database (each a dashboard not taken from the cache)."""
    return counted(monkeypatch, dashboards, "work_out")


def _figures(board) -> tuple:
    """Everything a dashboard shows and exports but its scope."""
    return (board.headline, board.impact, board.deployments,
            {key: (table.header, table.rows, table.links, table.note) for key, table in board.tables.items()},
            board.school_table.rows if board.school_table else None)


def _fresh(member, **filters) -> tuple:
    with scope(partnership=member.partnership):
        form = DashboardFilterForm({"year": "2026-27", **filters}, membership=member)
        assert form.is_valid(), form.errors
        return _figures(dashboards.Dashboard(scope=form.scope(), **WORK_OUT(scope=form.scope(),
                                                                                         today=TODAY)))


def test_figures_are_kept_and_equal_to_those_worked_out(world, worked_out):
    first = board_for(world.broker)
    again = board_for(world.broker)
    assert len(worked_out) == 1
    assert _figures(again) == _figures(first) == _fresh(world.broker)
    assert again.headline["requests"] == 6 and again.scope.partnership == world.partnership


def _changes(world):
    """(what, change) for each kind of change to what a dashboard reads: every table its statements read."""
    p, d1, d3 = world.partnership, world.deployments["D1"], world.deployments["D3"]
    return [
        ("a request sent", lambda: SupportRequestFactory(partnership=p, school=world.schools["B"], status="submitted",
                                                         submitted_at=d1.decided_at, needs=[world.spec["Reading"]],
                                                         created_by=world.broker.user)),
        ("a request declined", lambda: SupportRequest.objects.filter(pk=world.requests["R2"].pk).update(
            status="declined")),
        ("a need area added", lambda: RequestNeed.objects.create(partnership=p, request=world.requests["R4"],
                                                                 specialism=world.spec["Reading"])),
        ("a deployment completed", lambda: Deployment.objects.filter(pk=d3.pk).update(status="completed")),
        ("an objective's area", lambda: Objective.objects.filter(deployment=d3).update(area=world.spec["Reading"])),
        ("a review agreed", lambda: Review.objects.filter(deployment=d3).update(status="agreed", impact_score=5)),
        ("a rating changed", lambda: ReviewObjective.objects.filter(review__deployment=d1).update(rag="red")),
        ("a visit logged", lambda: VisitFactory(deployment=d1, visit_date=TODAY - timedelta(days=2), days=Decimal(1),
                                                status="confirmed", logged_by=world.broker.user)),
        ("a visit removed", lambda: Visit.objects.filter(deployment=d1, status="logged").delete()),
        ("days committed", lambda: CapacityEntryFactory(deployment=d3, term_key="2026-27 autumn", days=Decimal(1))),
        ("a leader's capacity", lambda: SystemLeader.objects.filter(pk=world.leaders["L1"].pk).update(
            capacity_days_per_term=Decimal(9))),
        ("a specialism taken away", lambda: LeaderSpecialism.objects.filter(leader=world.leaders["L2"]).delete()),
        ("a cluster renamed", lambda: Cluster.objects.filter(pk=world.clusters["North"].pk).update(name="Northern")),
        ("a school left a cluster", lambda: ClusterSchool.objects.filter(cluster=world.clusters["South"],
                                                                         school=world.schools["B"]).delete()),
        ("a school renamed", lambda: School.objects.filter(pk=world.schools["A"].pk).update(name="Renamed Primary")),
    ]


@pytest.mark.parametrize("filters", [{}, {"la": "873"}], ids=["top", "la"])
def test_every_kind_of_change_makes_the_next_view_work_the_figures_out_again(world, worked_out, filters):
    for what, change in _changes(world):
        board_for(world.broker, **filters)
        before = len(worked_out)
        board_for(world.broker, **filters)
        assert len(worked_out) == before, f"kept before {what}"
        change()
        assert _figures(board_for(world.broker, **filters)) == _fresh(world.broker, **filters), what
        assert len(worked_out) == before + 1, f"worked out again after {what}"


def test_another_scope_day_or_reader_is_worked_out_afresh(world, worked_out):
    board_for(world.broker)
    askings = [
        (world.broker, {"term": "autumn"}), (world.broker, {"la": "873"}), (world.broker, {"phase": "primary"}),
        (world.broker, {"designation": "SLE"}), (world.broker, {"area": str(world.spec["Maths"].pk)}),
        (world.broker, {"la": "873", "cluster": str(world.clusters["South"].pk)}),
        (world.broker, {"school": "110602"}), (world.broker, {"year": "2025-26"}), (world.officer, {}),
    ]
    for member, filters in askings:
        before = len(worked_out)
        first = board_for(member, **filters)
        assert len(worked_out) == before + 1, filters
        assert _figures(board_for(member, **filters)) == _figures(first) == _fresh(member, **filters)
        assert len(worked_out) == before + 1, filters
    # The same scope on another day: what is overdue may differ.
    with scope(partnership=world.partnership):
        form = DashboardFilterForm({"year": "2026-27"}, membership=world.broker)
        form.is_valid()
        dashboards.dashboard(scope=form.scope(), today=TODAY + timedelta(days=1))
    assert len(worked_out) == len(askings) + 2


def _term_from(day: date, partnership) -> None:
    """The partnership's autumn term published, or moved, to start on `day`."""
    CalendarPeriod.objects.update_or_create(
        partnership=partnership, academic_year="2026-27", kind="term", term="autumn",
        defaults={"name": "Autumn term", "start": day, "end": date(2026, 12, 18)})


def _capacity_names(board) -> list[str]:
    return [row[0] for row in board.tables["capacity"].rows]


def _breakdown_names(board) -> list[str]:
    return [row[0] for row in board.tables["breakdown"].rows]


def _form_changes(world, n: int) -> list[tuple]:
    """(what, change, how the next dashboard shows it) for what the filter form reads; `n` makes each new."""
    maths = world.spec["Maths"]
    return [
        ("a need area renamed", lambda: type(maths).objects.filter(pk=maths.pk).update(name=f"Mathematics {n}"),
         lambda board: f"Mathematics {n}" in _capacity_names(board)),
        ("an LA renamed", lambda: LocalAuthority.objects.filter(code="873").update(name=f"Cambridgeshire {n}"),
         lambda board: f"Cambridgeshire {n}" in _breakdown_names(board)),
        ("term dates published", lambda: _term_from(date(2026, 9, 3 + n), world.partnership),
         lambda board: board.scope.terms[0].start == date(2026, 9, 3 + n)),
    ]


def test_what_the_filter_form_reads_is_in_the_key_by_value(world, worked_out):
    """The LAs' and need areas' names, the term dates and an LA officer's LAs are read before the figures, by the
    form: no trigger records their changes, the key holds them."""
    for n, member in enumerate((world.broker, world.officer)):
        for what, change, shows in _form_changes(world, n):
            board_for(member)
            before = len(worked_out)
            change()
            board = board_for(member)
            assert len(worked_out) == before + 1 and shows(board), (member, what)
            assert _figures(board) == _fresh(member), (member, what)
            board_for(member)
            assert len(worked_out) == before + 1, (member, what)
    # An LA officer given another LA sees it at once.
    assert "Peterborough" not in _breakdown_names(board_for(world.officer))
    world.officer.local_authorities.add(LocalAuthority.objects.get(code="874"))
    assert "Peterborough" in _breakdown_names(board_for(world.officer))


def test_two_partnerships_never_share_kept_figures(world, worked_out):
    other = PartnershipFactory(slug="other-kept", name="Other kept")
    theirs = make_member(other, "broker")
    school = SchoolFactory()  # the schools are everyone's: a new one is a change for every partnership
    mine = board_for(world.broker)
    empty = board_for(theirs)
    assert len(worked_out) == 2 and empty.headline["requests"] == 0 and mine.headline["requests"] == 6
    # Another partnership's change is not this one's.
    SupportRequestFactory(partnership=other, school=school, status="submitted",
                          submitted_at=world.deployments["D1"].decided_at)
    board_for(world.broker)
    assert len(worked_out) == 2
    assert board_for(theirs).headline["requests"] == 1 and len(worked_out) == 3


def test_a_transaction_that_changed_what_dashboards_read_neither_reads_nor_keeps_figures(world, worked_out):
    board_for(world.broker)
    with transaction.atomic():
        Deployment.objects.filter(pk=world.deployments["D3"].pk).update(status="completed")
        assert board_for(world.broker).headline["completed"] == 2 and len(worked_out) == 2
        board_for(world.broker)
        assert len(worked_out) == 3
        transaction.set_rollback(True)
    assert board_for(world.broker).headline["completed"] == 1 and len(worked_out) == 3


def test_a_failing_cache_means_working_the_figures_out(world, worked_out, monkeypatch):
    class Broken:
        def get(self, *args, **kwargs):
            raise ConnectionError("Redis is down")

        set = get

    monkeypatch.setattr(change_log, "cache", Broken())
    assert _figures(board_for(world.broker)) == _figures(board_for(world.broker)) and len(worked_out) == 2


def test_a_pruning_forgets_the_changes_and_every_kept_dashboard(world, worked_out):
    board_for(world.broker)
    pruned = change_log.prune_all()
    assert pruned["dashboard_change"] > 0 and set(pruned) == {"matching_change", "dashboard_change"}
    with scope(partnership=world.partnership):
        assert change_log.DASHBOARDS.version(world.partnership.pk)[1] == 0
    board_for(world.broker)
    board_for(world.broker)
    assert len(worked_out) == 2


def test_the_daily_reminders_run_prunes_the_dashboards_changes(world, monkeypatch):
    from types import SimpleNamespace

    from deployments import tasks

    monkeypatch.setattr(tasks, "run_reminders", lambda **_: SimpleNamespace(partnerships=0, reminders=0,
                                                                           reviews_created=0))
    with scope(partnership=world.partnership):
        before = change_log.DASHBOARDS.version(world.partnership.pk)
        tasks.reminders_task()
        after = change_log.DASHBOARDS.version(world.partnership.pk)
    assert before[1] > 0 and after[1] == 0 and after[0] == before[0] + 1


def test_the_triggers_cover_every_table_the_figures_read(world):
    read = set()
    for member, filters in ((world.broker, {}), (world.broker, {"la": "873"}), (world.officer, {"area": str(
            world.spec["Maths"].pk)}), (world.broker, {"la": "873", "cluster": str(world.clusters["South"].pk)}),
                            (world.broker, {"school": "110602"})):
        with scope(partnership=member.partnership):
            form = DashboardFilterForm({"year": "2026-27", **filters}, membership=member)
            form.is_valid()
            with CaptureQueriesContext(connection) as captured:  # after the form: its reads are in the key by value
                dashboards.work_out(scope=form.scope(), today=TODAY)
        read |= tables_read(captured.captured_queries)
    assert {"deployments_visit", "alliances_clusterschool", "deployments_objective", "alliances_school"} <= read
    triggered = triggered_tables("dashboard_change")
    assert read <= triggered, f"tables the dashboards read without a trigger recording their changes: {read - triggered}"


def test_the_application_reads_its_own_partnerships_changes_and_writes_none(world):
    other = PartnershipFactory(slug="other-log", name="Other log")
    SupportRequestFactory(partnership=other, status="submitted")  # a change of the other partnership's
    assert_reads_its_own_and_writes_none("dashboard_change", world.partnership)


def test_the_page_shows_a_change_on_the_next_view(client, world, worked_out):
    client.force_login(world.broker.user)
    url = f"/p/{world.partnership.slug}/dashboards/?year=2026-27"
    first = client.get(url).context["board"].headline
    assert client.get(url).context["board"].headline == first and len(worked_out) == 1
    VisitFactory(deployment=world.deployments["D3"], visit_date=TODAY - timedelta(days=1), days=Decimal(2),
                 status="confirmed", logged_by=world.broker.user)
    changed = client.get(url).context["board"].headline
    assert changed["delivered"] != first["delivered"] and len(worked_out) == 2
