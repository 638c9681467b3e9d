from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from alliances.importers.base import Format, ImportRefused, ImportReport, Progress, RowError
from alliances.importers.other import GiasLinks, OfstedHistory, OnsPostcodes
from alliances.importers.schools import DfeDetails, DfeSpine, EdubaseSchoolsInEngland, GiasExtract, GiasSchoolList

FORMATS: list[type[Format]] = [
    GiasExtract, DfeSpine, DfeDetails, EdubaseSchoolsInEngland, GiasSchoolList, GiasLinks, OfstedHistory, OnsPostcodes,
]
MAX_ERRORS_KEPT = 10_000


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def _decode(data: bytes, encodings: tuple[str, ...]) -> str:
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as error:
            last = error
    raise ImportRefused(
        f"The file's characters could not be read (byte 0x{data[last.start]:02x} at position {last.start}). "
        f"Save it as UTF-8 or Windows-1252 CSV and try again."
    )


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


def run_import(source: str | Path | BinaryIO, *, dry_run: bool = False, progress: Progress = _no_progress) -> ImportReport:
    """Import one file. Every row is checked first; if any is bad, nothing is written and the report lists them all.

    Raises ImportRefused when the whole file is unusable (too big, unreadable, wrong kind, missing columns).
    """
    data = _read(source)
    # Detect on a tolerant decoding of the first line, then decode the whole file strictly.
    first_line = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    fmt = detect_format([name.strip() for name in next(csv.reader([first_line]))])
    reader = csv.reader(io.StringIO(_decode(data, fmt.encodings), newline=""))
    header = [name.strip() for name in next(reader)]
    if len(set(header)) != len(header):
        duplicated = sorted({name for name in header if header.count(name) > 1})
        raise ImportRefused(f"The header names these columns more than once: {', '.join(duplicated)}.")
    report = ImportReport(format_key=fmt.key, format_label=fmt.label)
    records, errors = _check_rows(reader, header, fmt, report, progress)
    report.errors = errors[:MAX_ERRORS_KEPT]
    if len(errors) > MAX_ERRORS_KEPT:
        report.notes.append(f"Only the first {MAX_ERRORS_KEPT} of {len(errors)} problems are listed.")
    if errors or dry_run:
        return report
    fmt.apply(records, report, progress)
    return report


def _read(source: str | Path | BinaryIO) -> bytes:
    """The file's bytes, uncompressed, or ImportRefused when it is too big, damaged or empty."""
    data = Path(source).read_bytes() if isinstance(source, str | Path) else source.read()
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportRefused(
            f"The file is {len(data) / 1_000_000:.0f} MB; the most the portal imports at once is "
            f"{settings.IMPORT_MAX_BYTES / 1_000_000:.0f} MB. Split it into smaller files."
        )
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise ImportRefused(f"The compressed file is damaged: {error}.") from None
        if len(data) > settings.IMPORT_MAX_BYTES * 4:
            raise ImportRefused("The file is too large once uncompressed. Split it into smaller files.")
    if not data.strip():
        raise ImportRefused("The file is empty.")
    return data


def _check_rows(reader, header: list[str], fmt: Format, report: ImportReport,
                progress: Progress) -> tuple[list, list[RowError]]:
    """Parse and check every row: (the records to write, every problem found)."""
    errors: list[RowError] = []
    records = []
    seen: dict[object, tuple[int, object]] = {}
    repeats = 0
    width = len(header)
    try:
        for values in reader:
            line = reader.line_num
            # Blank lines, and filler rows of nothing but NA (the EduBase extract ends with one), carry no data.
            if not values or all(v.strip().upper() in ("", "NA") for v in values):
                report.blank_lines += 1
                continue
            report.rows += 1
            if len(values) != width:
                errors.append(RowError(line, "", f"has {len(values)} values but the header has {width} columns"))
                continue
            record = fmt.parse(dict(zip(header, values, strict=True)), line, errors)
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
        errors.append(RowError(reader.line_num, "", f"cannot be read as CSV: {error}"))
    if repeats:
        report.notes.append(f"{repeats} row{'s' if repeats != 1 else ''} repeating an earlier row exactly were ignored.")
    return records, errors


def _describe(key) -> str:
    return " / ".join(str(part) for part in key) if isinstance(key, tuple) else str(key)
