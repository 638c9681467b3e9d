"""The finance export: one partnership's charge lines for one financial year, in a fixed column layout a council's
finance system can load (documented in the README, "Orders and finance"). One query, streamed row by row, every
text cell made formula-safe by portal.ui.csv_export.

On PostgreSQL the database writes the dates (ISO) and the order reference as the text the layout wants, so the
100,000 lines of a large partnership's year cost Python little more than the formula guard; elsewhere (SQLite for
`make run`) Python writes the same text. Amounts stay numbers: as text, a credit's minus sign would be guarded.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection
from django.db.models import CharField, F, Func, QuerySet, Value

from portal.tenancy.rls import streamed_in_this_scope
from programmes.models import ChargeLine

# The layout never changes order or names: finance systems map columns by position or header.
COLUMNS = ("partnership", "financial_year", "invoice_date", "school_urn", "laestab", "school_name", "line_id",
           "kind", "description", "quantity", "unit_price", "amount", "academic_year", "order_reference",
           "charge_date")
FIELDS = ("invoice_date", "school_id", "school__laestab", "school__name", "pk", "kind", "description", "quantity",
          "unit_price", "amount", "academic_year", "order_line__order_id", "charge_date")


def _iso(name: str) -> Func:
    return Func(F(name), Value("YYYY-MM-DD"), function="to_char", output_field=CharField())


def _reference(name: str) -> Func:
    """'O' and the order's number, at least five digits, as Order.reference writes it; '' for no order."""
    return Func(F(name), output_field=CharField(), template=(
        "CASE WHEN %(expressions)s IS NULL THEN '' ELSE 'O' || lpad(%(expressions)s::text, "
        "greatest(5, length(%(expressions)s::text)), '0') END"))


def export_lines(*, partnership, financial_year: str) -> QuerySet:
    lines = (ChargeLine.objects.filter(partnership=partnership, financial_year=financial_year)
             .order_by("invoice_date", "school_id", "charge_date", "pk"))
    if connection.vendor != "postgresql":
        return lines.values_list(*FIELDS)
    return lines.values_list(_iso("invoice_date"), "school_id", "school__laestab", "school__name", "pk", "kind",
                             "description", "quantity", "unit_price", "amount", "academic_year",
                             _reference("order_line__order_id"), _iso("charge_date"))


def export_rows(*, partnership, financial_year: str) -> Iterator[tuple]:
    """The rows under COLUMNS, read through a server-side cursor so 100,000 lines never sit in memory at once. The
    query is built here, inside the request's partnership scope; the rows are read later, as the response streams."""
    lines = export_lines(partnership=partnership, financial_year=financial_year).iterator(chunk_size=5000)
    first = (partnership.name, financial_year)
    if connection.vendor == "postgresql":
        return streamed_in_this_scope(first + row for row in lines)
    return streamed_in_this_scope(first + _written(row) for row in lines)


def _written(row: tuple) -> tuple:
    invoiced, urn, laestab, school, pk, kind, description, quantity, unit_price, amount, year, order_id, charged = row
    return (invoiced.isoformat(), urn, laestab, school, pk, kind, description, quantity, unit_price, amount, year, f"O{order_id:05d}" if order_id else "", charged.isoformat())
