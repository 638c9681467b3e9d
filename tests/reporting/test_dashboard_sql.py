"""The dashboards' statements written out for PostgreSQL (`reporting.dashboards.sql`) give the rows Django's
querysets give (`reads._requests_by_orm`, `reads._deployments` and `reads._days_and_reviews`), for every kind of
filter and reach."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connection
from django_scopes import scope

from reporting import filter_choices
from reporting.dashboards import reads, tables
from reporting.dashboards.figures import OPEN_STATUSES
from reporting.filters import DashboardFilterForm
from tests.factories.deployments import CapacityEntryFactory, DeploymentFactory, VisitFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the statement is PostgreSQL's")

FILTERS = [{}, {"term": "autumn"}, {"year": "2025-26"}, {"la": "873"}, {"la": "873", "cluster": "{south}"},
           {"school": "110602"}, {"phase": "primary"}, {"phase": "secondary", "designation": "NLE"},
           {"phase": "all_through"}, {"designation": "SLE", "area": "{maths}"}, {"area": "{reading}", "term": "spring"},
           {"la": "874", "phase": "special"}]


def _canonical(found):
    """The rows, each list in a fixed order (neither statement orders them), and only the fields each kind reads."""
    year_requests, needs, leader_rows = found
    leaders = sorted(repr((row["status"], row["pk"], row.get("school_id") if row["status"] == reads.LEDGER else None,
                           row["days_wanted"], row.get("need") if row["status"] == reads.LINK else None))
                     for row in leader_rows)
    return (sorted(repr(list(row.items())) for row in year_requests),
            {pk: sorted(areas) for pk, areas in needs.items()}, leaders)


def _scopes(world):
    """(member, filters, scope) for each reader and each kind of filter."""
    for member in (world.broker, world.officer):
        with scope(partnership=member.partnership):
            for filters in FILTERS:
                data = {"year": "2026-27", **{key: value.format(south=world.clusters["South"].pk,
                                                                 maths=world.spec["Maths"].pk,
                                                                 reading=world.spec["Reading"].pk)
                                              for key, value in filters.items()}}
                form = DashboardFilterForm(data, membership=member)
                form.is_valid()  # an LA outside the officer's falls back to all of theirs, as on the page
                yield member, filters, form.scope()


@pytest.mark.django_db
def test_the_written_statement_reads_what_the_querysets_read(world):
    # The ledger's terms of last year and this, so the leaders' totals have rows in both.
    d1 = world.deployments["D1"]
    CapacityEntryFactory(deployment=d1, term_key="2026-27 spring", days=2)
    DeploymentFactory(request=world.requests["R2"], leader=world.leaders["L3"], status="rejected",
                      proposed_by=world.broker.user)
    compared = 0
    for member, filters, chosen in _scopes(world):
        with scope(partnership=member.partnership):
            found = reads._requests_by_sql(chosen)
            assert _canonical(found) == _canonical(reads._requests_by_orm(chosen)), (member, filters)
        compared += bool(found[0]) + bool(found[2])
    assert compared > 30  # most scopes have requests and leaders to compare


@pytest.mark.django_db
def test_the_deployments_statement_reads_what_the_three_querysets_read(world):
    d1 = world.deployments["D1"]
    VisitFactory(deployment=d1, visit_date=date(2026, 10, 8), status="logged", logged_by=world.broker.user)
    VisitFactory(deployment=d1, visit_date=date(2026, 10, 9), status="disputed", logged_by=world.broker.user)
    compared = 0
    for member, filters, chosen in _scopes(world):
        with scope(partnership=member.partnership):
            deployments, in_period, tallies, groups = reads._deployments_by_sql(chosen)
            expected_groups = tables._group_rows(chosen) if chosen.level in ("la", "cluster") else None
            expected, expected_in_period = reads._deployments(chosen)
            ids = [d["pk"] for d in expected_in_period]
            delivered, waiting, committed, due, rag_of = reads._days_and_reviews(
                chosen, ids, [d["pk"] for d in expected_in_period if d["status"] in OPEN_STATUSES])
        assert (deployments, in_period) == (expected, expected_in_period), (member, filters)  # in the same order
        assert tallies[:3] == (delivered, waiting, committed), (member, filters)
        assert sorted(map(repr, tallies[3])) == sorted(map(repr, due)), (member, filters)
        assert list(tallies[4].items()) == list(rag_of.items()), (member, filters)
        if chosen.level == "la":  # clusters by name, each cluster's schools in no particular order
            assert sorted(groups) == sorted(expected_groups)
            assert [row[:2] for row in groups] == [row[:2] for row in expected_groups]
        else:
            assert groups == expected_groups, (member, filters)
        compared += bool(in_period) + bool(due) + bool(waiting) + bool(groups)
    assert compared > 20


@pytest.mark.django_db
def test_the_pages_and_downloads_are_the_same_from_the_querysets(client, world, monkeypatch):
    """Every dashboard page and download, once from the written-out statements and once from the querysets that
    SQLite runs (the same code, told the database is not PostgreSQL)."""
    south, maths = world.clusters["South"].pk, world.spec["Maths"].pk
    base = f"/p/{world.partnership.slug}/dashboards/"
    urls = [f"{base}?{query}" for query in (
        "year=2026-27", "year=2026-27&term=autumn", "year=2026-27&la=873", f"year=2026-27&la=873&cluster={south}",
        "year=2026-27&school=110602", f"year=2026-27&designation=SLE&phase=primary&area={maths}", "year=2025-26")]
    urls += [f"{base}export.csv?year=2026-27&la=873&table={table}" for table in ("breakdown", "capacity", "terms")]

    def bodies():
        found = {}
        for member in (world.broker, world.officer):
            client.force_login(member.user)
            for url in urls:
                response = client.get(url)
                body = response.content if not response.streaming else b"".join(response.streaming_content)
                body = re.sub(rb'nonce="[^"]*"', b"", body)  # per response, as the CSRF token is
                found[member.pk, url] = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", body)
        return found

    written = bodies()
    elsewhere = SimpleNamespace(vendor="sqlite")
    monkeypatch.setattr(reads, "connection", elsewhere)
    monkeypatch.setattr(filter_choices, "connection", elsewhere)
    assert bodies() == written
    assert all(b"govuk-table__row" in body for (_, url), body in written.items() if "export" not in url)
