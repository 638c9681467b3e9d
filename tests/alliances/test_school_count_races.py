"""The kept school counts (alliances migration 0010) stay the schools' when two connections write at once: the
second writer's trigger waits for the first's count row (`INSERT ... ON CONFLICT DO UPDATE`), so neither change
is lost, whether both add to a group no row counted yet or one moves schools out of a group the other adds to."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from alliances.choices import Phase, Status
from alliances.models import School, SchoolCount
from tests.concurrency import write_while_held
from tests.factories import LocalAuthorityFactory

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the counts' triggers are PostgreSQL's")]


def kept() -> dict:
    return {(c.la_code, c.phase, c.status): c.n for c in SchoolCount.objects.all() if c.n}


def counted() -> dict:
    return dict(Counter(School.objects.values_list("la_id", "phase", "status")))


def add(first_urn: int, la, how_many: int = 3, phase=Phase.PRIMARY):
    def write():
        School.objects.bulk_create([School(urn=str(first_urn + i), name=f"School {first_urn + i}", la=la, phase=phase,
                                           status=Status.OPEN) for i in range(how_many)])
    return write


def test_two_connections_adding_to_a_group_no_row_counts_yet_both_count():
    cambridgeshire = LocalAuthorityFactory(code="873", name="Cambridgeshire")
    write_while_held(add(400000, cambridgeshire), add(400100, cambridgeshire, how_many=2))
    assert kept() == counted() == {("873", Phase.PRIMARY, Status.OPEN): 5}


def test_schools_moved_out_of_a_group_while_another_connection_adds_to_it():
    cambridgeshire = LocalAuthorityFactory(code="873", name="Cambridgeshire")
    ealing = LocalAuthorityFactory(code="307", name="Ealing")
    add(410000, cambridgeshire, how_many=4)()
    write_while_held(lambda: School.objects.filter(urn__in=["410000", "410001"]).update(la=ealing),
                     add(410100, cambridgeshire, how_many=2))
    assert kept() == counted() == {("873", Phase.PRIMARY, Status.OPEN): 4, ("307", Phase.PRIMARY, Status.OPEN): 2}
    # And the other way round: the adding connection holds, the moving one waits.
    write_while_held(add(410200, ealing, how_many=1), lambda: School.objects.filter(la=cambridgeshire).update(
        status=Status.CLOSED))
    assert kept() == counted() == {("873", Phase.PRIMARY, Status.CLOSED): 4, ("307", Phase.PRIMARY, Status.OPEN): 3}
