"""Which value wins when files disagree, and writing many rows at once.

Every imported value carries the date of its source: the row's own date where the file has one (GIAS's
LastChangedDate), otherwise the file's date (from its name, e.g. `gias_all_schools_2022-11-02.csv`). The
Ofsted fields are dated by the inspection itself. A school keeps, field by field, the value from the newest
source (`School.field_dates`); on the same date the greater value wins, so the result never depends on the
order the files come in, and a repeat finds nothing to change.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date

from django.db import connection
from django.utils import timezone

# Fields dated by the inspection they describe, not by the file that carries them.
INSPECTION_FIELDS = frozenset({"ofsted_grade", "ofsted_date", "ofsted_category"})
# A blank in one file does not say these are unknown (another file may carry them): blanks are skipped.
KEEP_IF_BLANK = frozenset({"easting", "northing", "latitude", "longitude"})


def rank(value) -> str:
    """A total order on any cell value, only to break ties between two sources of the same date."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def newer_wins(current: dict | None, dates: dict[str, str], incoming: dict, source_date: str
               ) -> tuple[dict, dict[str, str], bool]:
    """What `incoming` (one row of a file dated `source_date`) changes in `current` (None: a new school).

    Returns (values to change, field dates to record, whether a value was kept because it is newer).
    """
    changes: dict = {}
    new_dates: dict[str, str] = {}
    kept = False
    inspected = incoming.get("ofsted_date")
    for name, value in incoming.items():
        if name == "urn" or (name in KEEP_IF_BLANK and value is None):
            continue
        if name in INSPECTION_FIELDS:
            if inspected is None:
                continue
            when = inspected.isoformat()
        else:
            when = source_date
        known = dates.get(name, "")
        old = current.get(name) if current is not None else None
        if when < known:
            kept = kept or value != old
            continue
        if when == known:
            if value != old and rank(value) > rank(old):
                changes[name] = value
            elif value != old:
                kept = True
            continue
        new_dates[name] = when
        if current is None or value != old:
            changes[name] = value
    return changes, new_dates, kept


# The date of a file, from its name ---------------------------------------------------------------------------

_FULL_DATE = re.compile(r"(?<![0-9])([0-9]{4})-?([0-9]{2})-?([0-9]{2})(?![0-9])", re.ASCII)
_ACADEMIC_YEAR = re.compile(r"(?<![0-9])([0-9]{4})[_-]([0-9]{2})(?![0-9])", re.ASCII)
_YEAR_RANGE = re.compile(r"(?<![0-9])([0-9]{4})[_-]([0-9]{4})(?![0-9])", re.ASCII)
_YEAR = re.compile(r"(?<![0-9])([0-9]{4})(?![0-9])", re.ASCII)


def date_from_name(name: str) -> tuple[date, str] | None:
    """The date a file's name gives its data, and how it was read; None when the name has no date.

    2022-11-02 or 20221102: that day. An academic year (2017_18): 1 September 2017. A span of years
    (2005_2020): 1 January of the last. A year (2018): 1 January 2018.
    """
    for match in _FULL_DATE.finditer(name):
        try:
            return date(int(match[1]), int(match[2]), int(match[3])), "the date in the file name"
        except ValueError:
            continue
    if match := _YEAR_RANGE.search(name):
        return date(int(match[2]), 1, 1), f"the last year in the file name ({match[0]})"
    if (match := _ACADEMIC_YEAR.search(name)) and int(match[2]) == (int(match[1]) + 1) % 100:
        return date(int(match[1]), 9, 1), f"the academic year in the file name ({match[0]})"
    if (match := _YEAR.search(name)) and 1990 <= int(match[1]) <= 2100:
        return date(int(match[1]), 1, 1), f"the year in the file name ({match[0]})"
    return None


# Writing many rows ---------------------------------------------------------------------------------------------

def lock_for_import(*models) -> None:
    """One import at a time changes these tables (readers go on reading). Call inside the transaction."""
    if connection.vendor != "postgresql":
        return  # SQLite: a writer already has the database to itself
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f'LOCK TABLE "{model._meta.db_table}" IN SHARE ROW EXCLUSIVE MODE')


_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escape(text: str) -> str:
    return text.translate(_SPECIAL) if ("\\" in text or "\t" in text or "\n" in text or "\r" in text) else text


def _converter(field):
    """A function from a field's Python value to its text in PostgreSQL's COPY format (NULL is \\N)."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        return lambda v: _escape(json.dumps(v, sort_keys=True))
    if kind == "BooleanField":
        return lambda v: r"\N" if v is None else ("t" if v else "f")
    if kind in ("DateField", "DateTimeField"):
        return lambda v: r"\N" if v is None else v.isoformat()
    if kind in ("CharField", "TextField"):
        return lambda v: r"\N" if v is None else _escape(v)
    return lambda v: r"\N" if v is None else str(v)


def _defaults(model, fields) -> dict:
    """Each field's value for a new row that does not give it (auto_now dates: now)."""
    now = timezone.now()
    values = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values[field.attname] = now
        else:
            values[field.attname] = field.get_default()  # "" for text that may be blank, None for nullable
    return values


def insert_rows(model, rows: list[dict]) -> int:
    """Insert new rows, each a dict of field attnames (`la_id`) to values; fields left out take their default.

    PostgreSQL: one COPY straight into the table (the import holds the table's lock, so no other writer adds
    the same keys meanwhile); elsewhere bulk_create.
    """
    if not rows:
        return 0
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.get_internal_type().endswith("AutoField"))]
    defaults = _defaults(model, fields)
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**{**defaults, **row}) for row in rows], batch_size=500)
        return len(rows)
    converters = [(f.attname, _converter(f), defaults[f.attname]) for f in fields]
    buffer = io.StringIO()
    write = buffer.write
    for row in rows:
        get = row.get
        write("\t".join([convert(get(name, default)) for name, convert, default in converters]))
        write("\n")
    buffer.seek(0)
    quoted = ", ".join(f'"{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        cursor.copy_expert(f'COPY "{model._meta.db_table}" ({quoted}) FROM STDIN', buffer)
    return len(rows)


def update_rows(model, names: Sequence[str], rows: Iterable[dict]) -> int:
    """Set `names` (field attnames) on the rows (each a dict with the primary key and those fields).

    PostgreSQL: the rows are copied into a temporary table and applied with one UPDATE ... FROM. Elsewhere
    (SQLite for `make run`): one UPDATE per row through executemany.
    """
    rows = list(rows)
    if not rows:
        return 0
    pk = model._meta.pk
    fields = [model._meta.get_field(name) for name in names]
    table = model._meta.db_table
    if connection.vendor != "postgresql":
        # SQLite (no network between statements): one prepared UPDATE run for every row.
        assignments = ", ".join(f'"{f.column}" = %s' for f in fields)
        params = [[f.get_db_prep_save(row[n], connection) for n, f in zip(names, fields, strict=True)] + [row[pk.name]]
                  for row in rows]
        with connection.cursor() as cursor:
            cursor.executemany(f'UPDATE "{table}" SET {assignments} WHERE "{pk.column}" = %s', params)
        return len(rows)
    columns = [pk.column] + [f.column for f in fields]
    converters = [(pk.name, _converter(pk))] + [(n, _converter(f)) for n, f in zip(names, fields, strict=True)]
    buffer = io.StringIO()
    write = buffer.write
    for row in rows:
        write("\t".join([convert(row[name]) for name, convert in converters]))
        write("\n")
    buffer.seek(0)
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE TEMP TABLE import_stage ON COMMIT DROP AS SELECT {quoted} FROM "{table}" WITH NO DATA')
        cursor.copy_expert(f"COPY import_stage ({quoted}) FROM STDIN", buffer)
        assignments = ", ".join(f'"{c}" = s."{c}"' for c in columns[1:])
        cursor.execute(f'UPDATE "{table}" AS t SET {assignments} FROM import_stage AS s WHERE t."{pk.column}" = s."{pk.column}"')
        count = cursor.rowcount
        cursor.execute("DROP TABLE import_stage")
    return count
