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
