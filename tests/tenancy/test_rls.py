"""Tenant rows guarded by PostgreSQL as well (portal/tenancy/rls.py): row-level security follows the scope.

Raw SQL and managers without the scope's filter, inside one partnership's scope, see and change only that
partnership's rows; outside any scope they see none; the audited bypass sees all. The application's
queries run as a role that the policies bind (not the superuser the test database is created by).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from portal.notifications.models import Notification
from portal.tenancy import rls
from portal.tenancy.models import Membership, PartnershipOwned
from portal.tenancy.roles import Role
from tests.factories import NotificationFactory, make_member

pytestmark = pytest.mark.skipif(not rls.is_enforced(connection), reason="row-level security is PostgreSQL-only")


def raw(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def two_partnerships(partnership, other_partnership):
    """Two members and a notification in each partnership."""
    with rls.cross_partnership("test set-up"):
        for owner in (partnership, other_partnership):
            for role in (Role.BROKER, Role.HEADTEACHER):
                member = make_member(owner, role)
            NotificationFactory(partnership=owner, recipient=member.user)
    return partnership, other_partnership


def every_partnership_owned_table() -> set[str]:
    return {model._meta.db_table for model in apps.get_models()
            if issubclass(model, PartnershipOwned) and not model._meta.proxy}


@pytest.mark.django_db
def test_every_partnership_owned_table_has_row_level_security_enabled_forced_and_the_policy():
    tables = every_partnership_owned_table()
    assert {"portal_membership", "portal_auditevent", "portal_notification", "deployments_deployment",
            "alliances_systemleader"} <= tables
    state = rls.tables_state(connection)
    assert set(state) == tables, "a tenant table is missing from the database"
    unguarded = {table: flags for table, flags in state.items() if flags != (True, True, True)}
    assert not unguarded, f"(enabled, forced, policy) must all be true: {unguarded}"


@pytest.mark.django_db
def test_after_migrate_a_tenant_table_without_the_guard_gets_it(two_partnerships):
    """What a new PartnershipOwned model's table goes through: `migrate` creates it bare, and the
    post_migrate receiver enables, forces and adds the policy (and grants the application role)."""
    mine, _ = two_partnerships
    with rls.owner_mode(connection), connection.cursor() as cursor:
        cursor.execute("DROP POLICY partnership_isolation ON portal_invitation; "
                       "ALTER TABLE portal_invitation NO FORCE ROW LEVEL SECURITY; "
                       "ALTER TABLE portal_invitation DISABLE ROW LEVEL SECURITY; "
                       "REVOKE ALL ON portal_invitation FROM portal_app")
    assert rls.tables_state(connection)["portal_invitation"] == (False, False, False)
    rls.install(using="default")
    assert rls.tables_state(connection)["portal_invitation"] == (True, True, True)
    with scope(partnership=mine):
        assert raw("SELECT count(*) FROM portal_invitation") == [(0,)]


@pytest.mark.django_db
def test_the_policy_binds_the_role_the_application_queries_as():
    current, superuser, bypassrls = raw("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles "
                                        "WHERE rolname = current_user")[0]
    assert current == connection.rls_role == "portal_app"
    assert not superuser and not bypassrls
    # Session_user is the superuser that created the test database: the role was assumed, not logged in as.
    assert raw("SELECT session_user")[0][0] != current


@pytest.mark.django_db
def test_raw_select_in_one_partnerships_scope_returns_none_of_the_others_rows(two_partnerships):
    mine, theirs = two_partnerships
    with scope(partnership=mine):
        for table in ("portal_membership", "portal_notification"):
            assert {pid for (pid,) in raw(f"SELECT partnership_id FROM {table}")} == {mine.pk}
        # By id, too: the other partnership's row is simply not there.
        their_member = Membership.objects.with_scopes_disabled().filter(partnership=theirs).values_list("pk", flat=True)
        assert list(their_member) == []
        assert raw("SELECT count(*) FROM portal_membership WHERE partnership_id = %s", [theirs.pk]) == [(0,)]
    with scope(partnership=theirs):
        assert {pid for (pid,) in raw("SELECT partnership_id FROM portal_membership")} == {theirs.pk}


@pytest.mark.django_db
def test_a_forgotten_filter_in_scope_is_filtered_by_the_database(two_partnerships):
    mine, _ = two_partnerships
    with scope(partnership=mine):
        # The base manager is not django-scopes' manager: nothing in Python filters it.
        assert {m.partnership_id for m in Membership._base_manager.all()} == {mine.pk}
        assert Notification._base_manager.count() == 1


@pytest.mark.django_db
@pytest.mark.scoped
def test_outside_any_scope_and_with_plain_scopes_disabled_nothing_is_seen(partnership, other_partnership):
    with rls.cross_partnership("set-up"):
        make_member(partnership, Role.BROKER)
        make_member(other_partnership, Role.BROKER)
        assert raw("SELECT count(*) FROM portal_membership") == [(2,)]
    assert raw("SELECT count(*) FROM portal_membership") == [(0,)]
    with scopes_disabled():
        # django-scopes lets the query through; PostgreSQL does not, without the audited bypass.
        assert Membership.objects.count() == 0
    with rls.cross_partnership("set-up"), rls.partnership_scope(partnership), scopes_disabled():
        # Turning scopes off inside a request's partnership scope is not a bypass either, whatever is around it.
        assert Membership.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.scoped
def test_the_bypass_sees_every_partnership_and_is_logged_with_its_reason(two_partnerships, caplog):
    with caplog.at_level(logging.INFO, logger="portal.tenancy.rls"):
        with rls.cross_partnership("the nightly report of every partnership"):
            assert rls.bypass_reason() == "the nightly report of every partnership"
            assert raw("SELECT count(DISTINCT partnership_id) FROM portal_membership") == [(2,)]
            with scope(partnership=two_partnerships[0]):  # a scope inside the bypass is strict again
                assert rls.bypass_reason() is None
                assert raw("SELECT count(DISTINCT partnership_id) FROM portal_membership") == [(1,)]
    assert [r.rls_bypass for r in caplog.records] == ["the nightly report of every partnership"]
    with pytest.raises(ValueError):
        with rls.cross_partnership(""):
            pass


@pytest.mark.django_db
def test_writes_of_another_partnerships_rows_are_refused(two_partnerships):
    mine, theirs = two_partnerships
    with scope(partnership=theirs):
        their_id, their_user = raw("SELECT id, user_id FROM portal_membership LIMIT 1")[0]
    new_user = make_member(mine, Role.APPROVER).user  # a user without a membership in `theirs`
    Membership.objects.filter(user=new_user).delete()
    with scope(partnership=mine):
        # INSERT a row for the other partnership: WITH CHECK refuses it.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            raw("INSERT INTO portal_membership (partnership_id, user_id, role, is_active, created_at) "
                "VALUES (%s, %s, 'admin', true, now())", [theirs.pk, new_user.pk])
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Membership.objects.create(partnership=theirs, user=new_user, role=Role.ADMIN)
        # Move one of mine into theirs: refused too.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            raw("UPDATE portal_membership SET partnership_id = %s WHERE partnership_id = %s", [theirs.pk, mine.pk])
        # Change or delete theirs: no row matches.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE portal_membership SET role = 'admin' WHERE id = %s", [their_id])
            assert cursor.rowcount == 0
        assert Membership._base_manager.filter(pk=their_id).delete()[0] == 0
    with scope(partnership=theirs):
        assert raw("SELECT role, user_id FROM portal_membership WHERE id = %s", [their_id])[0][1] == their_user
        assert raw("SELECT count(*) FROM portal_membership") == [(2,)]
    # Outside any scope, nothing can be written at all.
    with scope(partnership=None):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Membership.objects.create(partnership=mine, user=new_user, role=Role.ADMIN)


@pytest.mark.django_db
@pytest.mark.scoped
def test_a_rollback_that_undoes_the_settings_cannot_leave_another_scope_behind(two_partnerships):
    mine, _ = two_partnerships
    with scope(partnership=mine):
        assert raw("SELECT count(*) FROM portal_membership") == [(2,)]  # the session now says: mine
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            assert raw("SELECT count(*) FROM portal_membership") == [(0,)]  # set to nothing, in the savepoint
            raise RuntimeError
    # The rollback put the session's setting back to `mine`; the next query outside a scope must not see it.
    assert raw("SELECT count(*) FROM portal_membership") == [(0,)]
    assert raw("SELECT current_setting('app.partnership_id', true)") == [("",)]


@pytest.mark.django_db
def test_settings_change_once_per_scope_change_in_the_statements_own_round_trip(two_partnerships):
    mine, theirs = two_partnerships
    with scope(partnership=mine):
        raw("SELECT 1")
        switches, piggybacked = connection.rls_switches, connection.rls_piggybacked
        with CaptureQueriesContext(connection) as queries:
            for _ in range(5):
                list(Membership.objects.all())
        assert (connection.rls_switches, connection.rls_piggybacked) == (switches, piggybacked)
        assert len(queries) == 5
        assert not any("set_config" in q["sql"] for q in queries.captured_queries)
    with scope(partnership=theirs), CaptureQueriesContext(connection) as queries:
        assert {m.partnership_id for m in Membership.objects.all()} == {theirs.pk}
        # One recorded query: the settings went in front of it, not in a round trip of their own.
        assert len(queries) == 1 and queries[0]["sql"].startswith("SELECT set_config('role', 'portal_app'")
        assert connection.rls_switches == switches


@pytest.mark.django_db
def test_a_tenant_page_adds_no_round_trip_for_the_settings(client, partnership, other_partnership):
    admin = make_member(partnership, Role.ADMIN)
    make_member(other_partnership, Role.BROKER, user=admin.user)
    client.force_login(admin.user)
    url = reverse("tenant:members", kwargs={"partnership_slug": partnership.slug})
    client.get(url)  # warm: sessions, caches
    switches, piggybacked = connection.rls_switches, connection.rls_piggybacked
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert connection.rls_switches == switches
    # Into the partnership's scope; out to the bypass for the switcher's look at the user's other memberships
    # (portal/ui/context_processors.py) and back; out again for the session's save.
    changed = connection.rls_piggybacked - piggybacked
    assert 1 <= changed <= 4
    assert sum("set_config" in q["sql"] for q in queries.captured_queries) == changed


@pytest.mark.django_db
def test_migrations_and_the_schema_editor_run_as_the_owner_with_the_bypass():
    with connection.schema_editor() as editor:
        with editor.connection.cursor() as cursor:
            cursor.execute("SELECT current_user = session_user, current_setting('app.rls_bypass', true)")
            assert cursor.fetchone() == (True, "on")
    assert raw("SELECT current_user")[0][0] == "portal_app"


@pytest.mark.scoped
def test_the_wanted_settings_follow_the_scope():
    class Connection:
        rls_owner_depth = 0
        rls_role = "portal_app"
        rls_role_ready = True

    db = Connection()
    assert rls.wanted_settings(db) == ("portal_app", "", "")
    with scope(partnership=7):
        assert rls.wanted_settings(db) == ("portal_app", "7", "")
    with scope(partnership=[7, 9]):
        assert rls.wanted_settings(db) == ("portal_app", "7,9", "")
    with scopes_disabled():
        assert rls.wanted_settings(db) == ("portal_app", "", "")
    with rls.cross_partnership("test"):
        assert rls.wanted_settings(db) == ("portal_app", "", "on")
        with scopes_disabled():  # nested in the bypass: still the bypass
            assert rls.wanted_settings(db) == ("portal_app", "", "on")
        with scope(partnership=7):
            assert rls.wanted_settings(db) == ("portal_app", "7", "")
            with scopes_disabled():
                assert rls.wanted_settings(db) == ("portal_app", "", "on")
        with rls.partnership_scope(7):
            assert rls.wanted_settings(db) == ("portal_app", "7", "")
            with scopes_disabled():
                assert rls.wanted_settings(db) == ("portal_app", "", "")
    db.rls_owner_depth = 1
    assert rls.wanted_settings(db) == ("none", "", "on")


def test_application_code_crosses_partnerships_only_through_the_audited_bypass():
    """`scopes_disabled()` turns django-scopes off but is no bypass in the database: there it sees nothing.
    Work across partnerships says why, through `cross_partnership("...")`."""
    root = Path(__file__).resolve().parents[2]
    packages = [path.parent for path in root.glob("*/apps.py")]
    assert {"portal", "alliances", "deployments"} <= {package.name for package in packages}
    offenders = []
    for package in packages:
        for path in package.rglob("*.py"):
            if path.name == "rls.py" or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"\b(with_)?scopes_disabled\(", line):
                    offenders.append(f"{path.relative_to(root)}:{number}")
    assert not offenders, f"use portal.tenancy.rls.cross_partnership instead: {offenders}"


@pytest.mark.django_db
@pytest.mark.scoped
def test_a_streamed_download_reads_its_rows_in_the_scope_it_was_made_in(two_partnerships):
    """A streamed response is read after its view returned and the request's scope closed: the rows are fetched in
    the view's scope, so they are there (and only that partnership's)."""
    from portal.ui.csv_export import csv_response

    partnership, _ = two_partnerships
    with rls.partnership_scope(partnership):
        rows = Membership.objects.filter(partnership=partnership).values_list("role").iterator(chunk_size=10)
        unscoped = Membership.objects.values_list("partnership_id").iterator(chunk_size=10)  # a forgotten filter
        response = csv_response("members.csv", ["role"], rows)
        leaky = csv_response("all.csv", ["partnership"], unscoped)
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert sorted(lines[1:]) == sorted([Role.BROKER.value, Role.HEADTEACHER.value])
    assert set(b"".join(leaky.streaming_content).decode("utf-8-sig").splitlines()[1:]) == {str(partnership.pk)}


@pytest.mark.django_db(transaction=True)
@pytest.mark.scoped
def test_a_streamed_download_reads_its_rows_a_batch_at_a_time_in_a_transaction_of_its_own(two_partnerships):
    """Outside a transaction (as after a view returned) a server-side cursor is held, and PostgreSQL works out all of
    it before the first row leaves; a streamed download reads in a transaction of its own, so its cursor is not held
    and sends a batch at a time, and the transaction ends with the last row or when the stream is closed (as Django
    closes it when the client goes away)."""
    def cursors() -> list[bool]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT is_holdable FROM pg_cursors")
            return [holdable for holdable, in cursor.fetchall()]

    partnership, _ = two_partnerships
    for left_early in (False, True):
        with rls.partnership_scope(partnership):
            rows = rls.streamed_in_this_scope(
                Membership.objects.filter(partnership=partnership).values_list("role", flat=True).iterator(chunk_size=1))
        assert not connection.in_atomic_block
        assert next(rows) in {Role.BROKER, Role.HEADTEACHER}
        assert connection.in_atomic_block and cursors() == [False]
        if left_early:
            rows.close()
        else:
            assert len(list(rows)) == 1
        assert not connection.in_atomic_block and cursors() == []
