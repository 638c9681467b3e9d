from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

Progress = Callable[[str, int, int], None]


class ImportRefused(Exception):
    """The whole file cannot be imported (wrong kind, encoding, size, columns). Nothing was written."""


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based line number in the file, the header being row 1
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    format_key: str
    format_label: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    blank_lines: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        if self.errors:
            return (
                f"{self.format_label}: nothing was imported because {len(self.errors)} "
                f"row{'s have' if len(self.errors) != 1 else ' has'} problems. Fix them and import the file again."
            )
        if not self.changed:
            return f"{self.format_label}: {self.rows} rows read; nothing changed (the data was already up to date)."
        return (
            f"{self.format_label}: {self.rows} rows read; {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged."
        )


class Cell:
    """Parsers for one cell: each returns the clean value or raises ValueError with a plain reason."""

    MISSING = {"", "na", "n/a", "nan", "null", "none"}

    @classmethod
    def text(cls, value: str, max_length: int = 200) -> str:
        value = value.strip()
        if value.lower() in {"na", "nan"}:
            return ""
        if len(value) > max_length:
            raise ValueError(f"is longer than {max_length} characters")
        return value

    @classmethod
    def urn(cls, value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"\d{6}", value):
            raise ValueError(f"URN must be 6 digits, not {value!r}" if value else "URN is missing")
        return value

    @classmethod
    def la_code(cls, value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"\d{3}", value):
            raise ValueError(f"LA code must be 3 digits, not {value!r}" if value else "LA code is missing")
        return value

    @classmethod
    def _number(cls, value: str) -> float | None:
        value = value.strip()
        if value.lower() in cls.MISSING:
            return None
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"must be a number, not {value!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"must be a number, not {value!r}")
        return number

    @classmethod
    def integer(cls, value: str, *, low: int = 0, high: int = 10_000_000) -> int | None:
        number = cls._number(value)
        if number is None:
            return None
        if number != int(number):
            raise ValueError(f"must be a whole number, not {value.strip()!r}")
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}, not {value.strip()}")
        return int(number)

    @classmethod
    def decimal(cls, value: str, *, low: float, high: float) -> float | None:
        number = cls._number(value)
        if number is not None and not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}, not {value.strip()}")
        return number

    DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%Y%m%d", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S")

    @classmethod
    def date(cls, value: str) -> date | None:
        value = value.strip()
        if value.lower() in cls.MISSING:
            return None
        for fmt in cls.DATE_FORMATS:
            try:
                parsed = datetime.strptime(value, fmt).date()
            except ValueError:
                continue
            if not 1800 <= parsed.year <= 2100:
                raise ValueError(f"date {value!r} is out of range")
            return parsed
        raise ValueError(f"is not a date in a known format (dd-mm-yyyy, dd/mm/yyyy, yyyymmdd or yyyy-mm-dd): {value!r}")

    @classmethod
    def flag(cls, value: str) -> bool:
        value = value.strip().lower()
        if value in {"1", "true", "yes", "y"}:
            return True
        if value in {"0", "false", "no", "n", ""}:
            return False
        raise ValueError(f"must be 1 or 0, not {value!r}")


class Format:
    """One kind of file. Subclasses name their columns and turn a row into a record."""

    key: str = ""
    label: str = ""
    # Detection: a header containing all of these is this format.
    signature: frozenset[str] = frozenset()
    # Columns the rows are read from: all must be present.
    required: frozenset[str] = frozenset()
    # Encodings to try in order.
    encodings: tuple[str, ...] = ("utf-8-sig", "cp1252")

    def parse(self, row: dict[str, str], line: int, errors: list[RowError]) -> Any:
        raise NotImplementedError

    def key_of(self, record: Any) -> Any:
        """The identity of a record, to find duplicate rows; None means duplicates are allowed."""
        return None

    def apply(self, records: list[Any], report: ImportReport, progress: Progress) -> None:
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
