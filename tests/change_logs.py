"""Helpers for the tests of results kept while their data is unchanged (`portal.change_log`): matching's rankings
and the dashboards' figures."""

from __future__ import annotations

import re

from django.db import DatabaseError, connection, transaction
from django_scopes import scope

# The tables with all four of a log's statement triggers (insert, delete, update, truncate).
TRIGGERED_SQL = """
SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE NOT t.tgisinternal AND t.tgname LIKE %s
GROUP BY c.relname HAVING COUNT(*) FILTER (WHERE t.tgtype & 4 <> 0) = 1 AND COUNT(*) FILTER (WHERE t.tgtype & 8 <> 0) = 1
   AND COUNT(*) FILTER (WHERE t.tgtype & 16 <> 0) = 1 AND COUNT(*) FILTER (WHERE t.tgtype & 32 <> 0) = 1
"""


def triggered_tables(log: str) -> set[str]:
    """The tables whose every change `log` records."""
    with connection.cursor() as cursor:
        cursor.execute(TRIGGERED_SQL, [f"{log}%"])
        return {name for (name,) in cursor.fetchall()}


def tables_read(captured_queries) -> set[str]:
    """The project's tables named in the captured queries' SQL."""
    tables = set(connection.introspection.table_names())
    return {word for query in captured_queries for word in re.findall(r'"?\b([a-z_0-9]+)\b"?', query["sql"])
            if word in tables}


def counted(monkeypatch, module, name: str) -> list[dict]:
    """Every call of `module.name` from now on, by its keyword arguments (the function still runs)."""
    calls = []
    original = getattr(module, name)

    def counting(**arguments):
        calls.append(arguments)
        return original(**arguments)

    monkeypatch.setattr(module, name, counting)
    return calls


def assert_reads_its_own_and_writes_none(log: str, partnership) -> None:
    """In `partnership`'s scope, the application sees only its own and the shared rows of `log`, and can add,
    delete or move on nothing (row-level security: a policy for reading only)."""
    with scope(partnership=partnership), connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT partnership_id FROM {log}")
        seen = {pk for (pk,) in cursor.fetchall()}
        assert seen and seen <= {0, partnership.pk}
        for statement in (f"INSERT INTO {log} (partnership_id) VALUES ({partnership.pk})",
                          f"DELETE FROM {log}", f"UPDATE {log}_epoch SET epoch = 0"):
            try:
                with transaction.atomic():
                    cursor.execute(statement)
                    if cursor.rowcount == 0:  # a policy that hides every row: nothing written, as refused
                        raise DatabaseError("no row written")
            except DatabaseError:
                continue
            raise AssertionError(f"the application could run {statement!r}")
