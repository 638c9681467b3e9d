from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from portal.imports import Cell, RowError

Progress = Callable[[str, int, int], None]
__all__ = ["Cell", "RowError"]  # re-exported: the importers read them from here


class ImportRefused(Exception):
    """The whole file cannot be imported (wrong kind, encoding, size, columns). Nothing was written."""


@dataclass(frozen=True)
class Source:
    """The date of a file's data (ISO), and where it was read from, for the report."""

    date: str
    how: str


@dataclass
class ImportReport:
    format_key: str
    format_label: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    confirmed: int = 0  # rows whose values were already there, now dated by this newer file
    kept_newer: int = 0  # rows where the portal kept a value from a newer source than this file
    source_date: str = ""
    other_changes: int = 0  # other rows this import changed (a school's latest grade, its location)
    blank_lines: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_ERRORS_KEPT of them
    error_count: int = 0  # all of them
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.confirmed or self.other_changes)

    def summary(self) -> str:
        count = max(self.error_count, len(self.errors))
        if count:
            return (
                f"{self.format_label}: nothing was imported because {count:,} "
                f"row{'s have' if count != 1 else ' has'} problems. Fix them and import the file again."
            )
        kept = (f" {self.kept_newer} kept newer values the portal already had."
                if self.kept_newer else "")
        if not self.changed:
            return (f"{self.format_label}: {self.rows} rows read; nothing changed (the data was already up to "
                    f"date).{kept}")
        confirmed = f", {self.confirmed} confirmed by this newer file" if self.confirmed else ""
        return (
            f"{self.format_label}: {self.rows} rows read; {self.created} created, {self.updated} updated"
            f"{confirmed}, {self.unchanged} unchanged.{kept}"
        )


class Format:
    """One kind of file. Subclasses name their columns and turn a row into a record."""

    key: str = ""
    label: str = ""
    # Detection: a header containing all of these is this format.
    signature: frozenset[str] = frozenset()
    # Columns the rows are read from: all must be present.
    required: frozenset[str] = frozenset()

    def parse(self, row: dict[str, str], line: int, errors: list[RowError]) -> Any:
        raise NotImplementedError

    def key_of(self, record: Any) -> Any:
        """The identity of a record, to find duplicate rows; None means duplicates are allowed."""
        return None

    def apply(self, records: list[Any], report: ImportReport, progress: Progress, source: Source) -> None:
        raise NotImplementedError


def cell(row: dict[str, str], column: str, parser, line: int, errors: list[RowError], **kwargs):
    """Parse row[column] with `parser`; on failure record a RowError and return None."""
    try:
        return parser(row.get(column, ""), **kwargs)
    except ValueError as error:
        errors.append(RowError(line, column, f"{column} {error}" if not str(error).startswith(("URN", "LA")) else str(error)))
        return None


def chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
