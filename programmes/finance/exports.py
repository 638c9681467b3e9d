"""The finance export: one partnership's charge lines for one financial year, in a fixed column layout a council's
finance system can load (documented in the README, "Orders and finance"). One query, streamed row by row, every
text cell made formula-safe by portal.ui.csv_export."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from programmes.models import ChargeLine

# The layout never changes order or names: finance systems map columns by position or header.
COLUMNS = ("partnership", "financial_year", "invoice_date", "school_urn", "laestab", "school_name", "line_id",
           "kind", "description", "quantity", "unit_price", "amount", "academic_year", "order_reference",
           "charge_date")


def export_lines(*, partnership, financial_year: str) -> QuerySet:
    return (ChargeLine.objects.filter(partnership=partnership, financial_year=financial_year)
            .order_by("invoice_date", "school_id", "charge_date", "pk")
            .values_list("invoice_date", "school_id", "school__laestab", "school__name", "pk", "kind", "description",
                         "quantity", "unit_price", "amount", "academic_year", "order_line__order_id", "charge_date"))


def export_rows(*, partnership, financial_year: str) -> Iterator[tuple]:
    """The rows under COLUMNS, read through a server-side cursor so 100,000 lines never sit in memory at once. The
    query is built here, inside the request's partnership scope; the rows are read later, as the response streams."""
    lines = export_lines(partnership=partnership, financial_year=financial_year).iterator(chunk_size=5000)
    return _rows(lines, partnership.name, financial_year)


def _rows(lines, name: str, financial_year: str) -> Iterator[tuple]:
    for (invoiced, urn, laestab, school, pk, kind, description, quantity, unit_price, amount, academic_year,
         order_id, charged) in lines:
        yield (name, financial_year, invoiced.isoformat(), urn, laestab, school, pk, kind, description, quantity,
               unit_price, amount, academic_year, f"O{order_id:05d}" if order_id else "", charged.isoformat())
