"""CSV and Excel downloads that spreadsheet programs cannot be tricked into running as formulas."""

from __future__ import annotations

import csv
import itertools
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from io import StringIO

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from portal.tenancy.rls import streamed_in_this_scope
from portal.ui.xlsx import workbook_bytes

FORMULA_CHARACTERS = "=+-@"
CHUNK_ROWS = 1000
# What a spreadsheet may drop or look through before it decides a cell is a formula: control characters
# (a workbook cannot even hold most of them), spaces of every kind, invisible format characters (zero-width
# space, byte-order mark, direction marks) and full-width look-alikes (＝ reads as = once normalised).
_IGNORED_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp"}


def _first_visible(text: str) -> str:
    """The first character a spreadsheet would see once it has stripped what it ignores, as its NFKC form."""
    for character in text:
        if character.isspace() or unicodedata.category(character) in _IGNORED_CATEGORIES:
            continue
        return unicodedata.normalize("NFKC", character)[:1]
    return ""


def choice_labels(model, name: str) -> dict:
    """A choice field's labels by value, in the active language, as `get_FOO_display` writes them (which gives
    back the value itself for one outside the choices): for downloads that read values rather than instances."""
    return {value: str(label) for value, label in model._meta.get_field(name).flatchoices}


def safe_cell(value) -> str:
    """The one way an export writes a value (every CSV and Excel download goes through it). Numbers stay
    numbers. Text first loses the control characters a workbook cannot hold, then, if what a spreadsheet
    would see first, after dropping spaces and invisible characters, is `=`, `+`, `-` or `@`, it is
    neutralised with a leading apostrophe (OWASP's advice). In that order: stripping after the check let
    "\x01=2+3" become the formula =2+3."""
    kind = type(value)
    if kind is str and value[:1].isalnum() and value.isprintable():
        return value  # the common case, quickly: it starts with a letter or digit and holds nothing to strip
    if value is None:
        return ""
    if kind is bool:
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text and (_first_visible(text) in tuple(FORMULA_CHARACTERS) or text[0] in "\t\r\n"):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A whole CSV file as text (for a file inside a zip, such as a subject-access export), every cell through
    `safe_cell` like the downloads."""
    out = StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return out.getvalue()


def csv_line_writer() -> Callable[[Sequence], str]:
    """A function writing one row as a CSV line (its \\r\\n included), every cell through `safe_cell`: the text
    `csv_response` writes for the row, for a download that has most of its lines written another way (the finance
    export's, by the database) and the rest here."""
    writer = csv.writer(_Echo())
    return lambda row: writer.writerow([safe_cell(value) for value in row])


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff" + writer.writerow([safe_cell(name) for name in header])  # the mark so Excel reads UTF-8
        # Rows go out a thousand at a time: one chunk per row would spend more time in the response machinery
        # than in writing the rows (100,000 lines of a finance export).
        chunk: list[str] = []
        for row in rows:
            chunk.append(writer.writerow([safe_cell(value) for value in row]))
            if len(chunk) == CHUNK_ROWS:
                yield "".join(chunk)
                chunk = []
        if chunk:
            yield "".join(chunk)

    # Read as the response streams, after the view returned: in the view's scope, as the database must see it.
    response = StreamingHttpResponse(streamed_in_this_scope(stream()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Rows read before the sheet is written, from which the columns' widths are worked out (a sheet states its widths
# before its rows); the rest are written as they are read.
WIDTH_ROWS = 1000


def xlsx_response(filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence], *,
                  description: str = "") -> HttpResponse:
    """An Excel workbook of one table (`portal.ui.xlsx` writes it). Text cells are stored as text (never
    formulas) and neutralised the same way as CSV, so a value copied out of the sheet cannot turn into a formula
    either. The rows are written as they are read, so the sheet is never all in memory (only the compressed file
    is); the columns' widths come from the header and the first WIDTH_ROWS rows."""
    header = [safe_cell(cell) for cell in header]
    rows = iter(rows)
    first = [[_xlsx_value(value) for value in row] for row in itertools.islice(rows, WIDTH_ROWS)]
    body = workbook_bytes(title=safe_cell(description or title), sheet=_sheet_title(title), header=header,
                          rows=itertools.chain(first, ([_xlsx_value(value) for value in row] for row in rows)),
                          widths=_widths(header, first))
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _widths(header: list[str], first: list[list]) -> list[int]:
    """Each column's width in characters: its longest value in the header and `first` rows, plus 2, from 10 to 60."""
    widths = []
    for index in range(len(header)):
        longest = max(len("" if row[index] is None else str(row[index])) for row in [header, *first] if index < len(row))
        widths.append(min(60, max(10, longest + 2)))
    return widths


def _xlsx_value(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal | date):
        return value
    return safe_cell(value)


def _sheet_title(title: str) -> str:
    # Excel refuses these characters in sheet names and cuts names at 31 characters.
    # A sheet name cannot start or end with an apostrophe either, so it is cleaned, not neutralised.
    cleaned = "".join(" " if ch in '[]:*?/\\' else ch for ch in ILLEGAL_CHARACTERS_RE.sub("", title))
    cleaned = cleaned.strip().strip("'").strip() or "Sheet"
    return cleaned[:31]
