"""The finance export: one partnership's charge lines for one financial year, in a fixed column layout a council's
finance system can load (documented in the README, "Orders and finance"). One query, streamed row by row, every
text cell made formula-safe by portal.ui.csv_export.

On PostgreSQL the database writes the dates (ISO) and the order reference as the text the layout wants, so the
100,000 lines of a large partnership's year cost Python little more than the formula guard; elsewhere (SQLite for
`make run`) Python writes the same text. Amounts stay numbers: as text, a credit's minus sign would be guarded.

The CSV goes further on PostgreSQL (`csv_lines`): the database writes each whole line whose text cells are plain
(printable ASCII starting with a letter or digit, or empty: what `safe_cell` returns unchanged), quoted as Python's
csv module quotes; any other line comes back as values and is written in Python, so the bytes are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

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


def _plain(column: str) -> str:
    """SQL: the text starts with an ASCII letter or digit, or is empty (the rest is checked for the whole row)."""
    return (f"(ascii({column}) BETWEEN 48 AND 57 OR ascii({column}) BETWEEN 65 AND 90 "
            f"OR ascii({column}) BETWEEN 97 AND 122 OR {column} = '')")


def _cell(column: str) -> str:
    """SQL: a plain text cell as the csv module writes it, quoted (quotes doubled) if it holds a comma or a quote."""
    return (f"CASE WHEN strpos({column}, ',') + strpos({column}, '\"') = 0 THEN {column} "
            f"ELSE '\"' || replace({column}, '\"', '\"\"') || '\"' END")


# The text cells a line's test looks at, as the inner query reads them.
_TEXT = {"school_id": "c.school_id", "laestab": "s.laestab", "school_name": "s.name", "kind": "c.kind",
         "description": "c.description", "academic_year": "c.academic_year"}
# The values, in COLUMNS' order after the first two (a line's partnership and year, written once in Python).
_VALUES = ("invoiced", "school_id", "laestab", "school_name", "id", "kind", "description", "quantity", "unit_price",
           "amount", "academic_year", "reference", "charged")
_LINE = " || ',' || ".join(
    ["%(first)s", *(_cell(f"l.{value}") if value in _TEXT else f"l.{value}::text" for value in _VALUES)]
) + " || E'\\r\\n'"
_PLAIN = " AND ".join([*(_plain(column) for column in _TEXT.values()),
                       f"({' || '.join(_TEXT.values())}) ~ '^[ -~]*$'"])  # printable ASCII only
# The lines in the export's order. The inner query (kept apart by OFFSET 0, so the test of each row is worked out
# once) reads and sorts the values; the outer one writes a plain row's line, or returns a row's values otherwise.
_CSV_LINES = f"""
SELECT CASE WHEN l.plain THEN {_LINE} END,
       {", ".join(f"CASE WHEN l.plain THEN NULL ELSE l.{value} END" for value in _VALUES)}
FROM (
    SELECT c.invoice_date, c.school_id, c.charge_date, c.id, s.laestab, s.name AS school_name, c.kind,
           c.description, c.quantity, c.unit_price, c.amount, c.academic_year,
           to_char(c.invoice_date, 'YYYY-MM-DD') AS invoiced, to_char(c.charge_date, 'YYYY-MM-DD') AS charged,
           CASE WHEN o.order_id IS NULL THEN '' ELSE 'O' || lpad(o.order_id::text, greatest(5,
                length(o.order_id::text)), '0') END AS reference,
           {_PLAIN} AS plain
    FROM {ChargeLine._meta.db_table} c
    JOIN {School._meta.db_table} s ON s.urn = c.school_id
    LEFT JOIN {OrderLine._meta.db_table} o ON o.id = c.order_line_id
    WHERE c.partnership_id = %(partnership)s AND c.financial_year = %(year)s
    ORDER BY c.invoice_date, c.school_id, c.charge_date, c.id
    OFFSET 0
) AS l
ORDER BY l.invoice_date, l.school_id, l.charge_date, l.id
"""
BATCH = 2000


def csv_lines(*, partnership, financial_year: str) -> Iterator[str]:
    """The export as CSV text, its header first, in chunks of up to BATCH lines: the text `csv_response` writes for
    COLUMNS and `export_rows` (`tests/programmes/finance/test_export_lines.py` compares the two). Read through a
    server-side cursor as the response streams, in the scope that is current now."""
    line = csv_line_writer()
    header = "\ufeff" + line(COLUMNS)  # the mark so Excel reads UTF-8
    if connection.vendor != "postgresql":
        rows = export_rows(partnership=partnership, financial_year=financial_year)
        return streamed_in_this_scope(_written_in_python(header, line, rows))
    first = (partnership.name, financial_year)
    return streamed_in_this_scope(_read_lines(header, line, first, {
        "partnership": partnership.pk, "year": financial_year, "first": line(first)[:-2]}))


def _written_in_python(header: str, line: Callable, rows) -> Iterator[str]:
    yield header
    chunk: list[str] = []
    for row in rows:
        chunk.append(line(row))
        if len(chunk) == BATCH:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def _read_lines(header: str, line: Callable, first: tuple, params: dict) -> Iterator[str]:
    yield header
    # A server-side cursor, as QuerySet.iterator() reads one, unless the database settings turn them off.
    server_side = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    with (connection.chunked_cursor() if server_side else connection.cursor()) as cursor:
        cursor.execute(_CSV_LINES, params)
        while rows := cursor.fetchmany(BATCH):
            yield "".join(row[0] if row[0] is not None else line(first + row[1:]) for row in rows)
