"""Pieces for statements written out in SQL (the PostgreSQL paths of reports, dashboards, matching and lists)."""

from __future__ import annotations

from django.db import connection


def table(model) -> str:
    """The model's table name, quoted for the connection."""
    return connection.ops.quote_name(model._meta.db_table)


def in_list(values, params: list) -> str:
    """`(%s, %s, ...)` for `values`, added to `params`; `(NULL)`, which matches nothing, for none."""
    params.extend(values)
    return "(" + ", ".join(["%s"] * len(values)) + ")" if values else "(NULL)"


def plan_cursors_for_every_row() -> None:
    """For the rest of this transaction, plan a server-side cursor (`.iterator()`) for all its rows, as a download
    reads them, rather than for its first tenth (PostgreSQL's `cursor_tuple_fraction`). For a download of a search
    or filter: the schools matching "academy" (4,274 of 46,096) were read by walking the name index and filtering
    every name, for the sake of a quick first tenth, where finding them through the trigram index and sorting them
    took a quarter of the time. A download of everything keeps the index walk, whose first rows leave at once.
    Outside a transaction (or on SQLite) it does nothing."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('cursor_tuple_fraction', '1', true)")
