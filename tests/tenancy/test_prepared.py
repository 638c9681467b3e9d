"""SELECTs a connection repeats run as server-side prepared statements (portal/tenancy/postgresql/prepared.py).

The same rows as the statement sent as text, row-level security still following the scope through generic
plans, a statement PostgreSQL refuses to prepare run as text without harming the transaction around it, and
the query log showing the statement, not `EXECUTE`.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from portal.tenancy import rls
from portal.tenancy.models import Membership
from portal.tenancy.postgresql import prepared
from portal.tenancy.postgresql.prepared import WATCHED_RUNS, Statements, numbered, parameter_type
from portal.tenancy.roles import Role
from tests.factories import make_member

on_postgresql = pytest.mark.skipif(not rls.is_enforced(connection), reason="prepared statements are PostgreSQL's")


def test_each_parameter_is_declared_with_the_type_its_literal_would_have():
    assert parameter_type(True) == "boolean"  # before int: a bool is an int too
    assert parameter_type(7) == "int4"
    assert parameter_type(2**31) == "int8"
    assert parameter_type(2**63) == "numeric"
    assert parameter_type(Role.BROKER) == "unknown"  # a choice is a str, written as a quoted literal
    assert parameter_type("x") == "unknown"
    assert parameter_type(Decimal("1.50")) == parameter_type(1.5) == "numeric"
    assert parameter_type(datetime.date(2026, 12, 2)) == "date"
    assert parameter_type(datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC)) == "timestamptz"
    assert parameter_type(datetime.datetime(2026, 12, 2)) == "timestamp"
    assert parameter_type(datetime.timedelta(days=1)) == "interval"
    assert parameter_type(uuid.uuid4()) == "uuid"
    # Anything whose type the text would not give alone: the statement is sent as text.
    for value in (None, [1, 2], (1,), {"a": 1}, float("nan"), datetime.time(9, tzinfo=datetime.UTC), object()):
        assert parameter_type(value) is None


def test_placeholders_are_numbered_and_escaped_percent_signs_unescaped():
    assert numbered("SELECT 1 WHERE a = %s AND b LIKE '%%x' AND c IN (%s, %s)", 3) == (
        "SELECT 1 WHERE a = $1 AND b LIKE '%x' AND c IN ($2, $3)")
    assert numbered("SELECT 1", 0) == "SELECT 1"
    assert numbered("SELECT %s", 2) is None  # fewer placeholders than parameters
    assert numbered("SELECT %s, %s", 1) is None
    assert numbered("SELECT %(name)s", 1) is None  # named placeholders are not psycopg2's positional ones


def server_statements() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'portal%%'")
        return dict(cursor.fetchall())


def members_named(email: str) -> list:
    return list(Membership.objects.filter(user__email=email, is_active=True).values_list("partnership_id", "role"))


@on_postgresql
@pytest.mark.django_db
def test_a_select_seen_twice_is_prepared_and_gives_the_same_rows(partnership):
    member = make_member(partnership, Role.BROKER)
    with scope(partnership=partnership):
        first = members_named(member.user.email)
        results = [members_named(member.user.email) for _ in range(8)]  # past PostgreSQL's five custom plans
    assert first == [(partnership.pk, Role.BROKER)]
    assert all(result == first for result in results)
    texts = server_statements().values()
    # The text PostgreSQL keeps is what was sent (inside a savepoint here: the test runs in a transaction).
    assert any("PREPARE portal_" in text and '"portal_user"."email" = $2)' in text for text in texts)


@on_postgresql
@pytest.mark.django_db
@pytest.mark.scoped
def test_row_level_security_follows_the_scope_through_a_prepared_statement(partnership, other_partnership):
    """One statement, prepared and run in one partnership's scope until PostgreSQL keeps a generic plan, then
    run in the other's: each scope sees its own rows only, and outside any scope nothing."""
    with rls.cross_partnership("test set-up"):
        mine = make_member(partnership, Role.BROKER)
        make_member(other_partnership, Role.BROKER, user=mine.user)

    def visible() -> set[int]:
        with connection.cursor() as cursor:  # no filter on the partnership: only the database's policy
            cursor.execute("SELECT partnership_id FROM portal_membership WHERE user_id = %s", [mine.user_id])
            return {pid for (pid,) in cursor.fetchall()}

    with scope(partnership=partnership):
        assert all(visible() == {partnership.pk} for _ in range(8))
    with scope(partnership=other_partnership):
        assert visible() == {other_partnership.pk}
    assert visible() == set()
    with rls.cross_partnership("test: the bypass"):
        assert visible() == {partnership.pk, other_partnership.pk}
    assert any("portal_membership" in text for text in server_statements().values())


@on_postgresql
@pytest.mark.django_db
def test_a_statement_postgresql_refuses_to_prepare_runs_as_text_and_the_transaction_goes_on():
    query = "SELECT 1 WHERE %s IS NULL"  # as text the literal is typed; as a parameter no context types it
    with transaction.atomic():
        with connection.cursor() as cursor:
            for _ in range(3):
                cursor.execute(query, ["x"])
                assert cursor.fetchall() == []
            cursor.execute("SELECT %s + 1", [1])
            assert cursor.fetchall() == [(2,)]
    assert query in connection.prepared_statements.refused


@on_postgresql
@pytest.mark.django_db
def test_the_query_log_shows_the_statement_with_its_parameters_not_execute(partnership):
    member = make_member(partnership, Role.BROKER)
    with scope(partnership=partnership):
        members_named(member.user.email)
        with CaptureQueriesContext(connection) as queries:
            members_named(member.user.email)
            members_named(member.user.email)
    assert len(queries) == 2
    for query in queries.captured_queries:
        assert "EXECUTE" not in query["sql"]
        assert f"\"portal_user\".\"email\" = '{member.user.email}'" in query["sql"]


@on_postgresql
@pytest.mark.django_db
def test_statements_outlive_a_rollback_and_a_new_session_starts_with_none(partnership):
    member = make_member(partnership, Role.BROKER)
    with scope(partnership=partnership):
        with pytest.raises(RuntimeError), transaction.atomic():
            members_named(member.user.email)
            members_named(member.user.email)  # prepared inside the savepoint that is rolled back
            raise RuntimeError
        assert members_named(member.user.email) == [(partnership.pk, Role.BROKER)]
    assert connection.prepared_statements.prepared


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again(partnership):
    member = make_member(partnership, Role.BROKER)
    with scope(partnership=partnership):
        members_named(member.user.email)
        members_named(member.user.email)
        assert connection.prepared_statements.prepared
        connection.close()
        assert members_named(member.user.email) == [(partnership.pk, Role.BROKER)]
        assert not connection.prepared_statements.prepared  # seen before, but this session has none yet
        members_named(member.user.email)
        assert server_statements()


@on_postgresql
@pytest.mark.django_db
def test_past_the_limit_the_session_drops_every_statement_and_starts_again(monkeypatch):
    monkeypatch.setattr(prepared, "LIMIT", 2)
    with connection.cursor() as cursor:
        for number in range(1, 5):
            for _ in range(2):
                cursor.execute(f"SELECT %s + {number}", [1])
                assert cursor.fetchall() == [(1 + number,)]
    assert len(connection.prepared_statements.prepared) <= 2
    assert len(server_statements()) <= 2


@on_postgresql
@pytest.mark.django_db
def test_statements_without_parameters_are_kept_to_their_own_limit_the_least_recently_run_dropped(monkeypatch):
    """A kept statement's values are written in (`portal.kept.inlined`), so each member has their own: at most
    `WRITTEN_IN_LIMIT` of them stay prepared, the least recently run dropped, while statements with parameters stay."""
    monkeypatch.setattr(prepared, "WRITTEN_IN_LIMIT", 2)
    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute("SELECT %s + 100", [1])
        for number in (1, 2, 1, 3, 1, 4):
            for _ in range(2):
                cursor.execute(f"SELECT 50 + {number}", [])
                assert cursor.fetchall() == [(50 + number,)]
    statements = connection.prepared_statements
    assert [key[0] for key in statements.written_in] == ["SELECT 50 + 1", "SELECT 50 + 4"]  # 1 was run again last
    assert ("SELECT %s + 100", ("int4",)) in statements.prepared
    on_server = [text.split(" AS ", 1)[1].split(";")[0] for text in server_statements().values()]
    assert sorted(text for text in on_server if "50 + " in text or "+ 100" in text) == [
        "SELECT $1 + 100", "SELECT 50 + 1", "SELECT 50 + 4"]


@on_postgresql
@pytest.mark.django_db
def test_a_pattern_search_is_never_prepared():
    """Which index a search can use depends on its pattern, which a generic plan would not know."""
    query = "SELECT count(*) FROM alliances_school WHERE UPPER(name) LIKE UPPER(%s)"
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute(query, ["%academy%"])
    assert not any("LIKE" in key[0] for key in connection.prepared_statements.prepared)


@pytest.mark.parametrize(("prepared_ms", "kept"), [(0.8, True), (3.0, True), (16.0, False)])
def test_a_statement_slower_prepared_than_as_text_goes_back_to_text(prepared_ms, kept):
    """A generic plan can be worse for the values at hand than the plan for them: once PostgreSQL may use one,
    a statement whose prepared runs take over twice its run as text (and a millisecond more) is sent as text."""
    statements, key = Statements(), ("SELECT EXISTS (SELECT 1 FROM t WHERE a = %s)", ("int4",))
    assert statements.name_for(key) == (None, False)  # first sight: as text
    statements.ran_as_text(key, 0.002)
    name, new = statements.name_for(key)
    assert new and name.startswith("portal_")
    statements.added(key, name)
    for _ in range(WATCHED_RUNS):
        assert statements.name_for(key) == (name, False)
        statements.ran_prepared(key, prepared_ms / 1000)
    assert (key in statements.prepared) is kept
    assert statements.name_for(key) == ((name, False) if kept else (None, False))
