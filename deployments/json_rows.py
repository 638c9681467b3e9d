"""Rows a page lists of the one row it shows, read in that row's own statement on PostgreSQL.

Each list read by a query of its own costs a queryset to build and compile (about 2,000 Python calls for the
plainest one), a statement to plan and a round trip. Read instead as a column of the shown row, a JSON array
built by a subquery whose text is written once when the module that needs it loads, it costs nothing to build
per request. Each subquery reads the shown row's own rows in its own partnership (the row-level security
policies apply to it as to any statement). The rows come back as the instances a query reading the same columns
makes, each value converted by its field as Django converts a column (a decimal travels as text: a JSON number
would come back a float). Elsewhere (SQLite) the pages run the queries.
"""

from __future__ import annotations

from django.db import connection, models
from django.db.models import DecimalField, Model
from django.db.models.expressions import RawSQL


def in_statement() -> bool:
    """Whether lists are read with the row they belong to (PostgreSQL) or by a query each."""
    return connection.vendor == "postgresql"


def pairs(model: type[Model], alias: str, names: tuple[str, ...] | None = None) -> str:
    """`'attname', alias."column"` for each column of `model` (all of them, or its key and `names`)."""
    found = []
    for field in model._meta.concrete_fields:
        if names is not None and not field.primary_key and field.name not in names:
            continue
        value = f'{alias}."{field.column}"' + ("::text" if isinstance(field, DecimalField) else "")
        found.append(f"'{field.attname}', {value}")
    return ", ".join(found)


def rows(*, row: str, source: str, where: str, order: str, limit: int | None = None) -> str:
    """A JSON array of `row` (a jsonb expression) for each row of `source` meeting `where`, in `order` (the
    first `limit` of them when given)."""
    ranked = (f"SELECT row_number() OVER (ORDER BY {order}) AS position, {row} AS row FROM {source} WHERE {where}"
              + (f" ORDER BY {order} LIMIT {limit}" if limit is not None else ""))
    return f"SELECT COALESCE(jsonb_agg(page.row ORDER BY page.position), '[]'::jsonb) FROM ({ranked}) page"


def owned_by(alias: str, outer_table: str, key: str) -> str:
    """The rows of `alias` whose `key` is the outer statement's row (named by its table), in its partnership."""
    return (f'{alias}."{key}" = "{outer_table}"."id" AND '
            f'{alias}."partnership_id" = "{outer_table}"."partnership_id"')


def column(sql: str) -> RawSQL:
    return RawSQL(sql, (), output_field=models.JSONField())


def instance(model: type[Model], values: dict) -> Model:
    """The instance a query reading the columns in `values` makes (any other column is deferred)."""
    fields = [field for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(connection.alias, [field.attname for field in fields],
                         [field.to_python(values[field.attname]) for field in fields])
