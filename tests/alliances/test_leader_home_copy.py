"""The copy of each system leader's home school coordinates, trust and federation on the leader's row (alliances
migration 0009, PostgreSQL only; matching judges and scores every leader from it): always the school's, whichever
way a leader or a school is written and whatever partnership the session is in."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django_scopes import scope

from alliances.importers import run_import
from alliances.models import School, SystemLeader
from portal.tenancy.rls import owner_mode
from tests.alliances.test_locations import DISTRICTS, POSTCODES, SPINE
from tests.factories import SchoolFactory, SystemLeaderFactory

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the copy and its triggers are PostgreSQL's")]

COPY = ("SELECT leader.id, leader.home_easting, leader.home_northing, leader.home_trust_code, "
        "leader.home_federation_code, school.easting, school.northing, school.trust_code, school.federation_code, "
        "leader.xmin::text FROM alliances_systemleader leader JOIN alliances_school school "
        "ON school.urn = leader.home_school_id ORDER BY leader.id")


def copies() -> dict[int, tuple]:
    """Per leader (every partnership's): (the copy, the school's values, the row's version)."""
    with owner_mode(connection), connection.cursor() as cursor:
        cursor.execute(COPY)
        return {row[0]: (row[1:5], row[5:9], row[9]) for row in cursor.fetchall()}


def assert_in_step() -> dict[int, tuple]:
    found = copies()
    assert found
    assert [pk for pk, (copy, school, _) in found.items() if copy != school] == []
    return found


def test_a_leader_copies_the_school_they_are_given(partnership):
    first = SchoolFactory(easting=520000, northing=250000, trust_code="T1", federation_code="F1")
    second = SchoolFactory(easting=530000, northing=260000, trust_code="T2", federation_code="")
    leader = SystemLeaderFactory(partnership=partnership, home_school=first)
    assert copies()[leader.pk][0] == (520000, 250000, "T1", "F1")
    leader.home_school = second
    leader.save()
    assert copies()[leader.pk][0] == (530000, 260000, "T2", "")
    SystemLeader.objects.filter(pk=leader.pk).update(home_school=first)  # a bulk update, no save()
    assert copies()[leader.pk][0] == (520000, 250000, "T1", "F1")
    leader.name = "Renamed"
    leader.save()  # a stale instance saved again keeps the copy of the school it names
    assert_in_step()


def test_a_school_changed_in_any_way_changes_every_partnerships_leaders(partnership, other_partnership):
    school = SchoolFactory(easting=520000, northing=250000, trust_code="T1")
    elsewhere = SchoolFactory(easting=500000, northing=200000)
    ours = SystemLeaderFactory(partnership=partnership, home_school=school)
    theirs = SystemLeaderFactory(partnership=other_partnership, home_school=school)
    untouched = SystemLeaderFactory(partnership=other_partnership, home_school=elsewhere)
    before = assert_in_step()
    with scope(partnership=partnership), transaction.atomic():
        # One partnership's session: row-level security hides the other partnership's leader from it...
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('app.rls_bypass', true)")
            bypass = cursor.fetchone()[0]
        School.objects.filter(urn=school.urn).update(easting=None, northing=None, trust_code="T9",
                                                     federation_code="F9")
        # ...the trigger updated it all the same, and left the session's row-level security as it was.
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('app.rls_bypass', true), COUNT(*) FROM alliances_systemleader")
            assert cursor.fetchone() == (bypass, 1)
    after = assert_in_step()
    assert after[ours.pk][0] == after[theirs.pk][0] == (None, None, "T9", "F9")
    assert after[untouched.pk] == before[untouched.pk]  # not rewritten
    school.refresh_from_db()
    school.easting, school.northing = 510000, 240000
    school.save()
    assert copies()[theirs.pk][0] == (510000, 240000, "T9", "F9")


def test_a_school_update_that_changes_no_copied_value_writes_no_leader(partnership):
    school = SchoolFactory(easting=520000, northing=250000)
    leader = SystemLeaderFactory(partnership=partnership, home_school=school)
    before = copies()[leader.pk]
    School.objects.filter(urn=school.urn).update(name="Renamed Primary", easting=520000)
    assert copies()[leader.pk] == before  # the same row version: the leader was not written


def test_a_school_inserted_after_its_leader_in_the_transaction_fills_the_copy(partnership):
    leader = SystemLeaderFactory(partnership=partnership)
    # The foreign key is checked at commit, so a leader may name a school inserted later in the transaction.
    SystemLeader.objects.filter(pk=leader.pk).update(home_school_id="999001")
    SchoolFactory(urn="999001", easting=400000, northing=300000, trust_code="T3", federation_code="F3")
    assert copies()[leader.pk][0] == (400000, 300000, "T3", "F3")


def test_imports_that_locate_schools_keep_the_copy(partnership):
    run_import(SPINE)
    urns = list(School.objects.order_by("urn").values_list("urn", flat=True)[:5])
    for urn in urns:
        SystemLeaderFactory(partnership=partnership, home_school=School.objects.get(urn=urn))
    run_import(POSTCODES)
    run_import(DISTRICTS)
    found = assert_in_step()
    assert any(copy[0] is not None for copy, _, _ in found.values())  # the imports gave some of them coordinates


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["school changed first", "leader written first"])
def test_a_leader_and_its_school_written_at_once_end_in_step(partnership, first):
    """Two connections: one changes a school's coordinates, the other gives a new leader that school, each in a
    transaction the other cannot see yet. Whichever starts first, the copy ends equal to the school."""
    import threading
    import time

    from django.db import close_old_connections

    from portal.tenancy.rls import cross_partnership

    school = SchoolFactory(easting=100, northing=100)
    started, errors = threading.Event(), []

    def change_school() -> None:
        try:
            with transaction.atomic():
                School.objects.filter(urn=school.urn).update(easting=200, northing=200)
                started.set()
                time.sleep(1.0)  # the other connection writes its leader meanwhile
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    def add_leader() -> None:
        try:
            with cross_partnership("test: a leader written beside a school's change", quiet=True), \
                    transaction.atomic():
                SystemLeaderFactory(partnership=partnership, home_school=school)
                started.set()
                time.sleep(1.0)  # the school's change comes meanwhile
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    order = [change_school, add_leader] if first == "school changed first" else [add_leader, change_school]
    threads = [threading.Thread(target=target) for target in order]
    threads[0].start()
    assert started.wait(timeout=20)
    threads[1].start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    found = assert_in_step()
    assert [copy[:2] for copy, _, _ in found.values()] == [(200, 200)]
