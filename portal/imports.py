"""Reading rows from uploaded files: the error every importer reports for a bad row, and the cell parsers.

Shared by the school importers (alliances) and the term-date import (portal.calendar)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based line number in the file, the header being row 1
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


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
