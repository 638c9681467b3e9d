"""The finance export: one partnership's charge lines for one financial year, in a fixed column layout a council's
finance system can load (documented in the README, "Orders and finance"). Every text cell is made formula-safe as
portal.ui.csv_export does it.

`export_rows` gives the rows (the Excel export's): one query, read through a server-side cursor. On PostgreSQL the
database writes the dates (ISO) and the order reference as the text the layout wants; elsewhere (SQLite for
`make run`) Python does. Amounts stay numbers: as text, a credit's minus sign would be guarded.

`csv_lines` gives the CSV, streamed. On PostgreSQL it is one statement in which the database writes every line,
formula guard and quoting included, byte for byte as `csv_response` would (a line with a text cell that only Python
can judge, one starting with a space or a letter outside ASCII, comes back as its values and Python writes it), read
a batch at a time from a cursor, so the first lines leave before the database has written the last; elsewhere
Python writes every line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.db import connection
from django.db.models import CharField, F, Func, QuerySet, Value

from alliances.models import School
from portal.tenancy.rls import streamed_in_this_scope
from portal.ui.csv_export import csv_line_writer
from programmes.models import ChargeLine, OrderLine

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


def _cell(column: str) -> str:
    """SQL: a text cell as `safe_cell` and the csv module write it, or NULL when Python must write it (its first
    character is neither printable ASCII nor absent: a space, a control or invisible character, a letter outside
    ASCII, a full-width sign, all of which `safe_cell` looks through). Otherwise `safe_cell` drops the control
    characters a workbook cannot hold and guards a text whose first character is =, +, - or @; the csv module
    quotes it (quotes doubled) if it holds a comma, a quote or a line break."""
    text = (f"CASE WHEN ascii({column}) IN (43, 45, 61, 64) THEN '''' ELSE '' END || "
            f"regexp_replace({column}, '[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f]', '', 'g')")
    return (f"CASE WHEN {column} = '' THEN '' WHEN ascii({column}) NOT BETWEEN 33 AND 126 THEN NULL "
            f"WHEN {text} ~ '[,\"\\r\\n]' THEN '\"' || replace({text}, '\"', '\"\"') || '\"' ELSE {text} END")


def _cells(*columns: str) -> str:
    """SQL: the cells joined by commas; NULL if any of them is (`||` keeps a NULL)."""
    return " || ',' || ".join(_cell(column) if column.split(".")[-1] not in _NUMBERS else f"{column}::text"
                              for column in columns)


_NUMBERS = {"quantity", "unit_price"}
# Each line, in the export's order (the index charge_export_order gives it, no sort). The text cells are written
# once per school, once per kind of charge (kind, description, quantity, price, academic year) and once per order
# line: each in a LATERAL sub-query kept apart by OFFSET 0, whose results PostgreSQL memoizes, so of the 100,000
# lines of a large year only a few hundred parts are worked out; a line is then the parts and its own numbers and
# dates (ISO: the statement sets DateStyle). A line with a part Python must write comes back as its values instead:
# a \x01 (which no written line holds: safe_cell drops it) and a JSON array.
_SELECT = f"""
SELECT CASE WHEN s.part IS NOT NULL AND t.part IS NOT NULL AND t.year IS NOT NULL
            THEN concat_ws(',', %(first)s, c.invoice_date, s.part, c.id, t.part, c.amount, t.year,
                           coalesce(r.reference, ''), c.charge_date)
            ELSE E'\\x01' || json_build_array(c.invoice_date::text, c.school_id, s.laestab, s.name, c.id, c.kind,
                 c.description, c.quantity, c.unit_price, c.amount, c.academic_year, coalesce(r.reference, ''),
                 c.charge_date::text)::text END
FROM {ChargeLine._meta.db_table} c
JOIN LATERAL (SELECT {_cells("s.urn", "s.laestab", "s.name")} AS part, s.laestab, s.name
              FROM {School._meta.db_table} s WHERE s.urn = c.school_id OFFSET 0) s ON true
CROSS JOIN LATERAL (SELECT {_cells("v.kind", "v.description", "v.quantity", "v.unit_price")} AS part,
                           {_cell("v.academic_year")} AS year
                    FROM (SELECT c.kind, c.description, c.quantity, c.unit_price, c.academic_year OFFSET 0) v
                    OFFSET 0) t
LEFT JOIN LATERAL (SELECT 'O' || CASE WHEN o.order_id < 100000 THEN lpad(o.order_id::text, 5, '0')
                                      ELSE o.order_id::text END AS reference
                   FROM {OrderLine._meta.db_table} o WHERE o.id = c.order_line_id OFFSET 0) r ON true
WHERE c.partnership_id = %(partnership)s AND c.financial_year = %(year)s
ORDER BY c.invoice_date, c.school_id, c.charge_date, c.id
"""
# For the download's own transaction: ISO dates, and no JIT compilation, which the plan's estimated cost would
# otherwise ask for and which costs more than it saves on this statement.
SETTINGS_SQL = "SELECT set_config('datestyle', 'ISO, MDY', true), set_config('jit', 'off', true)"
# Lines fetched at a time: the first of them leave after about 20 ms of the database's work at national scale.
BATCH = 2000


def csv_lines(*, partnership, financial_year: str) -> Iterator[bytes]:
    """The export as CSV bytes, its header first, in chunks of up to BATCH lines: the bytes `csv_response` writes
    for COLUMNS and `export_rows` (`tests/programmes/finance/test_export_lines.py` compares the two). On
    PostgreSQL one statement, in the request's scope (row-level security applies to it as to any query), with the
    database writing the lines and the download reading them a batch at a time; elsewhere Python writes them."""
    line = csv_line_writer()
    header = ("\ufeff" + line(COLUMNS)).encode()  # the mark so Excel reads UTF-8
    first = (partnership.name, financial_year)
    if connection.vendor != "postgresql":
        rows = export_rows(partnership=partnership, financial_year=financial_year)
        return streamed_in_this_scope(_written_in_python(header, line, rows))
    return streamed_in_this_scope(_fetched_lines(header, line, first, {
        "partnership": partnership.pk, "year": financial_year, "first": line(first)[:-2]}))


def _written_in_python(header: bytes, line: Callable, rows) -> Iterator[bytes]:
    yield header
    chunk: list[str] = []
    for row in rows:
        chunk.append(line(row))
        if len(chunk) == BATCH:
            yield "".join(chunk).encode()
            chunk = []
    if chunk:
        yield "".join(chunk).encode()


def _fetched_lines(header: bytes, line: Callable, first: tuple, params: dict) -> Iterator[bytes]:
    """The header, then BATCH lines at a time as the database writes them: read in the download's transaction
    (`streamed_in_this_scope` gives it one), the statement's cursor is not held, so the first lines leave while
    the database is still writing the rest, and a download of any size holds one batch in memory."""
    yield header
    with connection.cursor() as settings:
        settings.execute(SETTINGS_SQL)
        with connection.chunked_cursor() as rows:
            rows.execute(_SELECT, params)
            while part := rows.fetchmany(BATCH):
                chunk = "\r\n".join(row for row, in part)
                if "\x01" in chunk:
                    yield b"".join(_line(row, line, first) for row, in part)
                else:
                    yield (chunk + "\r\n").encode()


def _line(row: str, line: Callable, first: tuple) -> bytes:
    """One line as the database wrote it, or, for a line it left to Python (its values as JSON after a \\x01),
    as the csv module writes it."""
    if row[:1] == "\x01":
        return line(first + tuple(json.loads(row[1:], parse_float=Decimal))).encode()
    return (row + "\r\n").encode()
