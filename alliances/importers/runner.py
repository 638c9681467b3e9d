from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.utils import timezone

from alliances.importers.base import Format, ImportRefused, ImportReport, Progress, RowError, Source
from alliances.importers.merge import date_from_name
from alliances.importers.other import GiasLinks, OfstedHistory, OnsPostcodes, PostcodeDistricts
from alliances.importers.schools import DfeDetails, DfeSpine, EdubaseSchoolsInEngland, GiasExtract, GiasSchoolList
from portal.imports import UnreadableFile, csv_problem, decode_upload, read_header, unpack

FORMATS: list[type[Format]] = [
    GiasExtract, DfeSpine, DfeDetails, EdubaseSchoolsInEngland, GiasSchoolList, GiasLinks, OfstedHistory, OnsPostcodes,
    PostcodeDistricts,
]
MAX_ERRORS_KEPT = 10_000


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def detect_format(header: list[str]) -> Format:
    """The format whose signature columns the header has; refuses with the missing columns named."""
    columns = set(header)
    for format_class in FORMATS:
        if format_class.signature <= columns:
            instance = format_class(header) if format_class is GiasSchoolList else format_class()
            missing = instance.required - columns
            if missing:
                raise ImportRefused(
                    f"This looks like a {instance.label} file, but it is missing these columns: "
                    f"{', '.join(sorted(missing))}."
                )
            return instance
    names = "; ".join(f.label for f in FORMATS)
    raise ImportRefused(f"This is not a file the portal can import. It should be one of: {names}.")


def run_import(source: str | Path | BinaryIO, *, dry_run: bool = False, progress: Progress = _no_progress,
               filename: str = "", source_date: date | None = None) -> ImportReport:
    """Import one file. Every row is checked first; if any is bad, nothing is written and the report lists them all.

    The data is dated `source_date`, else by the date in the file's name (`filename`, or the path's), else
    today; rows with their own date (GIAS's LastChangedDate) carry that. Newer values are never replaced by
    older ones (alliances.importers.merge).

    Raises ImportRefused when the whole file is unusable (too big, unreadable, binary, two encodings, wrong
    kind, missing or unnamed columns), with what to fix.
    """
    try:
        text = decode_upload(_read(source))
        header, width = read_header(text)
    except UnreadableFile as error:
        raise ImportRefused(str(error)) from None
    fmt = detect_format(header)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next(reader)
    report = ImportReport(format_key=fmt.key, format_label=fmt.label)
    records, errors = _check_rows(reader, header, width, fmt, report, progress)
    if not report.rows and not errors:
        raise ImportRefused("The file has its header line but no rows of data. Check that the rows were exported "
                            "too, then upload the whole file.")
    report.error_count = len(errors)
    report.errors = errors[:MAX_ERRORS_KEPT]
    if len(errors) > MAX_ERRORS_KEPT:
        report.notes.append(f"Only the first {MAX_ERRORS_KEPT:,} of {len(errors):,} problems are listed.")
    if errors or dry_run:
        return report
    dated = _source(source, filename, source_date)
    report.source_date = dated.date
    report.notes.append(f"Data dated {dated.date} ({dated.how}); rows with their own date keep it.")
    fmt.apply(records, report, progress, dated)
    return report


def _source(source, filename: str, source_date: date | None) -> Source:
    if source_date is not None:
        return Source(source_date.isoformat(), "the date given")
    name = filename or (Path(source).name if isinstance(source, str | Path) else getattr(source, "name", "") or "")
    found = date_from_name(str(name))
    if found is not None:
        return Source(found[0].isoformat(), found[1])
    return Source(timezone.localdate().isoformat(), "today: the file name has no date")


def _read(source: str | Path | BinaryIO) -> bytes:
    """The file's bytes, uncompressed, or UnreadableFile when it is too big, damaged or empty."""
    limit = settings.IMPORT_MAX_BYTES
    if isinstance(source, str | Path):
        with open(source, "rb") as file:
            data = file.read(limit + 1)
    else:
        data = source.read(limit + 1)
    if len(data) > limit:
        raise UnreadableFile(
            f"The file is over {_size(limit)}, the most the portal imports at once. "
            "Split it into smaller files."
        )
    data = unpack(data, max_bytes=limit * 4)
    if not data.strip() or data in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff") or not data.lstrip(b"\xef\xbb\xbf \t\r\n"):
        raise UnreadableFile("The file is empty. Choose the file with the school data in it.")
    return data


def _size(count: int) -> str:
    return f"{count / 1_000_000:.0f} MB" if count >= 1_000_000 else f"{count:,} bytes"


def _check_rows(reader, header: list[str], width: int, fmt: Format, report: ImportReport,
                progress: Progress) -> tuple[list, list[RowError]]:
    """Parse and check every row: (the records to write, every problem found)."""
    errors: list[RowError] = []
    records = []
    seen: dict[object, tuple[int, object]] = {}
    repeats = 0
    named = len(header)
    line = reader.line_num
    try:
        for values in reader:
            line = reader.line_num
            # Blank lines, and filler rows of nothing but NA (the EduBase extract ends with one), carry no data.
            if not values or all(v.strip().upper() in ("", "NA") for v in values):
                report.blank_lines += 1
                continue
            report.rows += 1
            # Columns after the named ones (Excel's empty trailing columns) may be there, but must be empty.
            if not named <= len(values) <= max(width, named) or any(v.strip() for v in values[named:]):
                errors.append(RowError(line, "", f"has {len(values)} values but the header has {named} columns"))
                continue
            record = fmt.parse(dict(zip(header, values[:named], strict=True)), line, errors)
            if record is None:
                continue
            key = fmt.key_of(record)
            if key is not None:
                if key in seen:
                    first_line, first = seen[key]
                    if first == record:  # the same facts twice (the real Ofsted file has a few): harmless
                        repeats += 1
                    else:
                        errors.append(RowError(line, "", f"conflicts with row {first_line} for {_describe(key)}"))
                    continue
                seen[key] = (line, record)
            records.append(record)
            if report.rows % 5000 == 0:
                progress("Checking rows", report.rows, 0)
    except csv.Error as error:
        # Reading cannot go on past a broken quote: the file is refused with where to look.
        errors.append(RowError(line + 1, "", csv_problem(error, line + 1)))
    if repeats:
        report.notes.append(f"{repeats} row{'s' if repeats != 1 else ''} repeating an earlier row exactly were ignored.")
    return records, errors


def _describe(key) -> str:
    return " / ".join(str(part) for part in key) if isinstance(key, tuple) else str(key)
