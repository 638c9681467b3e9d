"""Kept statements: a queryset built and compiled once for a key, then run again by its SQL alone.

A home page's lists are a dozen querysets, each built from the member's visibility rules (`filter()`,
`select_related()`, `only()`) and compiled to SQL on every request: measured on the broker's home at national
scale, building and compiling took more of the request than the database did. The SQL of such a list is the same
every time its inputs are (the member, the day, "since"), so it is kept here, with the compiler that read its
columns, and run again without building anything; the connection then runs it as a prepared statement too
(`portal.tenancy.postgresql.prepared`).

The caller names everything `build` depends on in `key`. Two guards stop a key that names too little from
giving a wrong answer:
* `build` is run twice when first kept, and kept only if both give the same SQL and parameters (so a
  `timezone.now()` in a filter, which differs between the two, is never kept), and only if building ran no
  query (a list read from the database while building, such as ids in `pk__in=[...]`, is not kept either).
  What cannot be kept is built each time, as before.
* `CHECK` (on for the whole test suite, `tests/conftest.py`) builds and compiles every kept statement again on
  every use and fails if it differs from the kept one: a key that misses an input fails the tests that vary it.

On PostgreSQL a kept statement is run with its parameters written into its text (`inlined`), as psycopg2 writes
them into every statement it sends anyway. The connection prepares it on its second run like any SELECT, and a
prepared statement without parameters gets one plan, made once for the values at hand: planned as the text would
be, then never again. With the parameters left out, PostgreSQL plans a prepared statement for its values five
times and then keeps either a generic plan (costed on average values, so it may read far more rows: the home's
question of `EXISTS` went from 2 to 26 ms with one) or, if that costs more on paper, a fresh plan on every run,
which is the planning these statements are kept to avoid (0.2 to 1.4 ms each on the broker's home). The key
already names every value the statement holds, so writing them in makes no more statements than there are keys.

A key is kept apart for each django-scopes scope it is used in (`_in_scope`), since a partnership-owned model's
manager writes the scope's partnership into the statement.

The statements are kept per thread (a compiler belongs to its thread's connection), at most `LIMIT` of them,
the least recently used dropped first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django_scopes import get_scope

CHECK = False
LIMIT = 4096
_local = threading.local()


class KeyMismatch(AssertionError):
    """A kept statement differs from the one its key's `build` makes now: the key does not name every input."""


class _Queried(Exception):
    pass


class _Kept:
    __slots__ = ("queryset", "compiler", "sql", "params")

    def __init__(self, queryset, compiler, sql, params):
        self.queryset, self.compiler, self.sql, self.params = queryset, compiler, sql, params


_NOT_KEPT = object()
_EMPTY = object()


def inlined(sql: str, params, using: str = "default") -> tuple[str, tuple]:
    """(`sql` with `params` written in, ()) on PostgreSQL, quoted by psycopg2 as it quotes every statement it sends
    (a `%` doubled, for the driver's formatting of the empty parameters); elsewhere the two unchanged."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not params:
        return sql, tuple(params)
    return connection.ops.compose_sql(sql, list(params)).replace("%", "%%"), ()


def _store() -> OrderedDict:
    store = getattr(_local, "store", None)
    if store is None:
        store = _local.store = OrderedDict()
    return store


def clear() -> None:
    """Forget every statement kept in this thread (tests that change what a key cannot see)."""
    _store().clear()


def _refuse(execute, sql, params, many, context):
    raise _Queried


def _compiled(build: Callable[[], QuerySet]):
    """(queryset, compiler, sql, params), or _EMPTY for a queryset that matches nothing by construction."""
    queryset = build()
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return _EMPTY
    return queryset, compiler, sql, tuple(params)


def _sql_of(found) -> tuple:
    return (None, None) if found is _EMPTY else (found[2], found[3])


def _in_scope(key: Hashable) -> tuple:
    """`key` with the django-scopes scope it is used in: a partnership-owned model's manager filters by the scope's
    partnership (or none, with the scopes disabled), so the same key makes a different statement in another scope
    (a daily task across partnerships, a request in one)."""
    current = get_scope()
    partnership = current.get("partnership", _EMPTY)
    if isinstance(partnership, list | tuple):
        partnership = tuple(getattr(each, "pk", each) for each in partnership)
    else:
        partnership = getattr(partnership, "pk", partnership)
    return key, current.get("_enabled", True), partnership


def _keep(key: Hashable, build: Callable[[], QuerySet]):
    key = _in_scope(key)
    store = _store()
    found = store.get(key)
    if found is not None:
        store.move_to_end(key)
        if CHECK and found is not _NOT_KEPT:
            with connections["default"].execute_wrapper(_refuse):
                now = _sql_of(_compiled(build))
            kept = (None, None) if found is _EMPTY else (found.sql, found.params)
            if now != kept:
                raise KeyMismatch(f"The statement kept for {key!r} is not the one built now: its key misses an input")
        return found
    try:
        with connections["default"].execute_wrapper(_refuse):
            first, second = _compiled(build), _compiled(build)
    except _Queried:
        found = _NOT_KEPT
    else:
        if _sql_of(first) != _sql_of(second):
            found = _NOT_KEPT
        elif first is _EMPTY:
            found = _EMPTY
        else:
            queryset, compiler, sql, params = first
            text, values = inlined(sql, params, queryset.db)
            compiler.as_sql = lambda *args, **kwargs: (text, list(values))
            found = _Kept(queryset, compiler, sql, params)
    store[key] = found
    if len(store) > LIMIT:
        store.popitem(last=False)
    return found


def rows(key: Hashable, build: Callable[[], QuerySet]) -> list:
    """`list(build())`, the queryset built and compiled once for `key` in this thread (see the module)."""
    found = _keep(key, build)
    if found is _EMPTY:
        return []
    if found is _NOT_KEPT:
        return list(build())
    queryset = found.queryset._chain()
    compiler = found.compiler
    queryset.query.get_compiler = lambda *args, **kwargs: compiler
    return list(queryset)


def made(key: Hashable, build: Callable[[], tuple]):
    """What `build` makes (a tuple of SQL text and parameters, say: anything compared by value), kept for `key` like a
    queryset's statement (for statements written from querysets, such as `portal.queues.have_rows`'s question)."""
    key = _in_scope(key)
    store = _store()
    found = store.get(("made", key))
    if found is not None:
        store.move_to_end(("made", key))
        if found is _NOT_KEPT:
            return build()
        if CHECK:
            with connections["default"].execute_wrapper(_refuse):
                now = build()
            if now != found:
                raise KeyMismatch(f"What was kept for {key!r} is not what is built now: its key misses an input")
        return found
    try:
        with connections["default"].execute_wrapper(_refuse):
            first, second = build(), build()
    except _Queried:
        store[("made", key)] = _NOT_KEPT
        return build()
    store[("made", key)] = first if first == second else _NOT_KEPT
    if len(store) > LIMIT:
        store.popitem(last=False)
    return first
