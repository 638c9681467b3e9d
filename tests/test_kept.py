"""Kept statements (`portal.kept`): built and compiled once for a key, then only run; never kept when building
twice gives two statements or when building reads the database; a key that misses an input fails the tests."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import kept
from portal.accounts.models import User
from portal.queues import answers, question

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _fresh():
    kept.clear()
    yield
    kept.clear()


@pytest.fixture()
def users():
    return [User.objects.create_user(email=f"kept-{n}@example.org", password="not-used-here-1") for n in range(3)]


def counting(build):
    calls = []

    def counted():
        calls.append(1)
        return build()
    return counted, calls


def test_a_kept_statement_is_built_once_and_gives_the_rows_a_query_gives(users, monkeypatch):
    monkeypatch.setattr(kept, "CHECK", False)
    build, calls = counting(lambda: User.objects.filter(email__startswith="kept-").order_by("-email").only("email")[:2])
    expected = list(build())
    calls.clear()
    first = kept.rows(("users",), build)
    assert calls == [1, 1]  # built twice when first kept (the two must agree), never again
    with CaptureQueriesContext(connection) as queries:
        again = kept.rows(("users",), build)
    assert calls == [1, 1] and len(queries) == 1
    assert [user.email for user in first] == [user.email for user in again] == [user.email for user in expected]
    assert again[0].pk == expected[0].pk and "name" in again[0].get_deferred_fields()


def test_values_lists_and_related_rows_are_kept_too(users, monkeypatch):
    monkeypatch.setattr(kept, "CHECK", False)
    assert kept.rows(("emails",), lambda: User.objects.filter(pk=users[1].pk).values_list("email", flat=True)) == [
        users[1].email]
    assert kept.rows(("emails",), lambda: User.objects.filter(pk=users[1].pk).values_list("email", flat=True)) == [
        users[1].email]


def test_a_statement_that_matches_nothing_by_construction_runs_no_query(users):
    with CaptureQueriesContext(connection) as queries:
        assert kept.rows(("none",), lambda: User.objects.filter(pk__in=[])) == []
        assert kept.rows(("none",), lambda: User.objects.filter(pk__in=[])) == []
    assert len(queries) == 0


def test_a_statement_built_on_the_time_of_day_is_never_kept(users, monkeypatch):
    monkeypatch.setattr(kept, "CHECK", False)
    build, calls = counting(lambda: User.objects.filter(date_joined__lte=timezone.now()))
    assert len(kept.rows(("now",), build)) == 3
    calls.clear()
    kept.rows(("now",), build)
    assert calls == [1]  # built again, as it would be without keeping


def test_a_statement_built_from_rows_read_while_building_is_never_kept(users, monkeypatch):
    monkeypatch.setattr(kept, "CHECK", False)
    build, calls = counting(lambda: User.objects.filter(pk__in=list(User.objects.values_list("pk", flat=True)[:2])))
    assert len(kept.rows(("read",), build)) == 2
    calls.clear()
    assert len(kept.rows(("read",), build)) == 2
    assert calls == [1]


def test_a_key_that_misses_an_input_fails_the_tests(users):
    assert kept.CHECK  # tests/conftest.py turns the check on for the whole suite
    chosen = {"user": users[0]}
    build = lambda: User.objects.filter(pk=chosen["user"].pk)  # noqa: E731  (the key below forgets the user)
    assert kept.rows(("one user",), build) == [users[0]]
    chosen["user"] = users[1]
    with pytest.raises(kept.KeyMismatch):
        kept.rows(("one user",), build)


def test_a_question_is_kept_like_a_queryset(users, monkeypatch):
    monkeypatch.setattr(kept, "CHECK", False)
    build, calls = counting(lambda: question([User.objects.filter(pk=users[0].pk), User.objects.filter(pk=-1),
                                              User.objects.filter(pk__in=[])]))
    assert answers(kept.made(("question",), build)) == [True, False, False]
    assert answers(kept.made(("question",), build)) == [True, False, False]
    assert calls == [1, 1]


def test_at_most_limit_statements_are_kept(users, monkeypatch):
    monkeypatch.setattr(kept, "CHECK", False)
    monkeypatch.setattr(kept, "LIMIT", 2)
    for n in range(3):
        kept.rows(("user", n), lambda n=n: User.objects.filter(pk=users[n].pk))
    build, calls = counting(lambda: User.objects.filter(pk=users[0].pk))
    assert kept.rows(("user", 0), build) == [users[0]]
    assert calls == [1, 1]  # the oldest was dropped: kept again


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the values are written in on PostgreSQL only")
def test_on_postgresql_a_kept_statement_runs_with_its_values_written_in(users, monkeypatch):
    """So the connection prepares it without parameters: one plan for these values, made once (see the module)."""
    monkeypatch.setattr(kept, "CHECK", False)
    users[2].email = "kept-50%_o'brien@example.org"
    users[2].save(update_fields=["email"])
    build = lambda: User.objects.filter(email=users[2].email, pk__gte=users[0].pk).only("email")  # noqa: E731
    assert [user.pk for user in kept.rows(("quoted",), build)] == [users[2].pk]
    for _ in range(3):  # as text, then prepared, then run prepared
        with CaptureQueriesContext(connection) as queries:
            again = kept.rows(("quoted",), build)
        assert [(user.pk, user.email) for user in again] == [(users[2].pk, users[2].email)]
        assert "%s" not in queries[0]["sql"] and "o''brien" in queries[0]["sql"]


def test_a_kept_question_runs_with_its_values_written_in_on_postgresql_only():
    sql, params = kept.inlined('SELECT %s = %s AS "a"', ("50%", 7))
    if connection.vendor == "postgresql":
        assert (sql, params) == ("SELECT '50%%' = 7 AS \"a\"", ())
    else:
        assert (sql, params) == ('SELECT %s = %s AS "a"', ("50%", 7))
