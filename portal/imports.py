"""Reading uploaded files: bytes to text (or a plain refusal), the header, the error every importer reports
for a bad row, and the cell parsers.

Shared by the school importers (alliances) and the term-date import (portal.calendar), so every upload is
read by the same rules: UTF-8 (with or without a byte-order mark), UTF-16 and Windows-1252 are read, any line
ending; a file mixing two encodings, holding NUL bytes, binary or a spreadsheet workbook is refused with what
to do. Codes (URN, LA code, LAESTAB, postcode; no file or form reads a UKPRN yet), numbers and dates accept
ASCII digits only: Python's `\\d`, `isdigit()`, `float()` and `strptime` also take digits from other scripts,
which no DfE code is written in."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import math
import re
import zlib
from dataclasses import dataclass
from datetime import date, datetime

SAVE_AS = "Save it from your spreadsheet as \"CSV UTF-8 (comma delimited)\" and upload that file."


class UnreadableFile(ValueError):
    """The whole file cannot be read as text. The message says what is wrong and how to fix it."""


def unpack(data: bytes, *, max_bytes: int) -> bytes:
    """The bytes of an upload, gunzipped when compressed: never more than `max_bytes` once uncompressed, so a
    small file that would inflate to gigabytes (a gzip bomb) is refused after reading just past the limit."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as packed:
            inflated = packed.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise UnreadableFile(f"The compressed (gzip) file is damaged ({error}). Compress the CSV again, or upload "
                             "it uncompressed.") from None
    if len(inflated) > max_bytes:
        size = f"{max_bytes / 1_000_000:.0f} MB" if max_bytes >= 1_000_000 else f"{max_bytes:,} bytes"
        raise UnreadableFile(f"Uncompressed, the file is over {size}, more than the "
                             "portal imports at once. Split it into smaller files.")
    return inflated


# Byte patterns of files that are not CSV, and what to tell the person who chose one.
_NOT_CSV = (
    (b"PK\x03\x04", "This is a zip file (an Excel workbook is one, so is a .zip). " + SAVE_AS),
    (b"PK\x05\x06", "This is an empty zip file, not a CSV file. " + SAVE_AS),
    (b"\xd0\xcf\x11\xe0", "This is an old-style Excel (.xls) or Word file, not a CSV file. " + SAVE_AS),
    (b"%PDF", "This is a PDF, not a CSV file. Export the table to CSV and upload that file."),
    (b"\x1f\x8b", "This file is compressed twice. Uncompress it to the CSV file and upload that."),
    (b"{\\rtf", "This is a rich-text (RTF) document, not a CSV file. " + SAVE_AS),
)
# Mis-decoded UTF-8: a lead byte's Windows-1252 letter followed by continuation bytes' letters ("Ã‰" for "É").
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
                       "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]+")


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + text.count("\r", 0, index) - text.count("\r\n", 0, index) + 1


def _utf16_without_mark(data: bytes) -> str | None:
    """UTF-16 saved without a byte-order mark: ASCII text then has a NUL in every other byte."""
    sample = data[:4000]
    if len(sample) < 4:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    half = len(sample) // 2
    if odd > 0.6 * half and even < 0.1 * half:
        return "utf-16-le"
    if even > 0.6 * half and odd < 0.1 * half:
        return "utf-16-be"
    return None


def decode_upload(data: bytes) -> str:
    """The text of an uploaded CSV file, or UnreadableFile saying what is wrong and what to do.

    A byte-order mark decides the encoding (UTF-8, UTF-16); otherwise UTF-8 if the bytes are valid UTF-8, and
    Windows-1252 (what Excel saves as "CSV") if they hold no UTF-8 at all. A file with both is refused: read
    either way, some of its names would be garbled. So is one whose text is already garbled, or that holds
    NUL bytes (PostgreSQL cannot store them) or other binary."""
    for magic, message in _NOT_CSV:
        if data.startswith(magic):
            raise UnreadableFile(message)
    encoding = None
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE begins both
        encoding = "utf-32"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8"
        data = data[len(codecs.BOM_UTF8):]
    else:
        encoding = _utf16_without_mark(data)
    if encoding:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            if encoding == "utf-8":
                line = data.count(b"\n", 0, error.start) + 1
                raise UnreadableFile(
                    f"The file says it is UTF-8 (it starts with a byte-order mark) but line {line} is in another "
                    "encoding, such as Windows-1252, so some names would be garbled. Open it, check the accented "
                    "names, and " + SAVE_AS[0].lower() + SAVE_AS[1:]) from None
            name = "UTF-16" if "16" in encoding else "UTF-32"
            raise UnreadableFile(f"The file starts as {name} text but is damaged at byte {error.start}. " + SAVE_AS) from None
    else:
        if b"\x00" in data:  # before decoding: binary fails to decode too, and NUL says more
            _refuse_binary(data.decode("latin-1"))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            text = _windows_1252(data, error)
    text = text.removeprefix("\ufeff")
    _refuse_binary(text)
    garbled = next((m for m in _MOJIBAKE.finditer(text) if _is_mojibake(m.group())), None)
    if garbled:
        raise UnreadableFile(
            f"Line {_line_of(text, garbled.start())} holds garbled characters ({garbled.group()!r}): the file was "
            "saved as UTF-8 and read as Windows-1252 at some point, so names like \"Éloi\" read \"Ã‰loi\". "
            "Fix the names at the source, or export the file again, then upload it.")
    return text


def _windows_1252(data: bytes, error: UnicodeDecodeError) -> str:
    """Windows-1252, unless the file also holds UTF-8 (two encodings in one file: refused)."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as bad:
        line = data.count(b"\n", 0, bad.start) + 1
        raise UnreadableFile(f"The file's characters could not be read (byte 0x{data[bad.start]:02x} at line "
                             f"{line}). " + SAVE_AS) from None
    utf8 = next((m for m in re.finditer(rb"[\xc2-\xf4][\x80-\xbf]+", data) if _is_utf8_sequence(m.group())), None)
    if utf8:
        first_bad = data.count(b"\n", 0, error.start) + 1
        first_utf8 = data.count(b"\n", 0, utf8.start()) + 1
        raise UnreadableFile(
            f"The file mixes two character encodings: line {first_utf8} is UTF-8 and line {first_bad} is "
            "Windows-1252, so some names would be garbled whichever way it is read. Open it, check the accented "
            "names, and " + SAVE_AS[0].lower() + SAVE_AS[1:])
    return text


def _is_utf8_sequence(chunk: bytes) -> bool:
    """Whether `chunk` starts with one whole UTF-8 multi-byte character (É is C3 89; in Windows-1252 text a
    letter like É is one byte, C9, which never forms one)."""
    length = 2 if chunk[0] < 0xE0 else 3 if chunk[0] < 0xF0 else 4
    try:
        chunk[:length].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return len(chunk) >= length


def _is_mojibake(fragment: str) -> bool:
    try:
        fragment.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return True


def _refuse_binary(text: str) -> None:
    nul = text.find("\x00")
    if nul >= 0:
        raise UnreadableFile(
            f"The file holds a NUL character (line {_line_of(text, nul)}), which no CSV file has and the database "
            "cannot store: it is binary, damaged, or saved in an unusual encoding. " + SAVE_AS)
    sample = text[:20000]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\t\r\n")
    if sample and controls > max(3, len(sample) // 20):  # binary runs about 1 in 9; a real CSV has next to none
        raise UnreadableFile("This does not look like a CSV (text) file: it is full of control characters. "
                             "Check you chose the right file. " + SAVE_AS)


def read_header(text: str) -> tuple[list[str], int]:
    """(column names, how many columns a row may have) from a CSV's first line. Empty names at the end (Excel
    writes them for formatted but empty columns) are dropped; an empty name between others is refused, as is
    a name given twice, and a file whose columns are separated by something other than commas."""
    try:
        first = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error as error:
        raise UnreadableFile(f"The first line cannot be read as CSV ({error}). " + SAVE_AS) from None
    names = [name.strip() for name in first]
    width = len(names)
    while names and not names[-1]:
        names.pop()
    if not names:
        raise UnreadableFile("The first line is empty: the file needs a header line naming its columns.")
    if len(names) == 1:
        separator = next((label for mark, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars"))
                          if mark in names[0]), None)
        if separator:
            raise UnreadableFile(f"The columns are separated by {separator}, not commas. " + SAVE_AS)
    if any("\n" in name or "\r" in name for name in names):
        raise UnreadableFile("A double quote (\") in the header line is never closed, so the header runs on into the "
                             "rows. Remove the stray quote from the first line.")
    blank = [str(index + 1) for index, name in enumerate(names) if not name]
    if blank:
        raise UnreadableFile(f"Column {', '.join(blank)} of the header has no name. Name the column or delete it.")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UnreadableFile(f"The header names {', '.join(repeated)} more than once. Keep one column of each name.")
    return names, width


def csv_problem(error: csv.Error, line: int) -> str:
    """A csv module error as what to fix."""
    text = str(error)
    if "field larger than field limit" in text:
        return (f"a value starting on or after line {line} is longer than {csv.field_size_limit():,} characters: "
                "usually a double quote (\") that is never closed. Check the quotes around that line")
    if "unexpected end of data" in text:
        return (f"a quoted value starting on or after line {line} is never closed: a double quote (\") is missing. "
                "Check the quotes around that line")
    if "expected after" in text:
        return (f"line {line} has text straight after a closing double quote (\"). Put the whole value in quotes "
                "and double any quote inside it")
    return f"line {line} cannot be read as CSV ({text}). " + SAVE_AS


ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}", re.ASCII)


def ascii_code(value: str, length: int) -> bool:
    """Whether `value` is exactly `length` ASCII digits (not ١٢٣٤٥٦, which `isdigit()` and `\\d` accept)."""
    return len(value) == length and ASCII_DIGITS.fullmatch(value) is not None


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based line number in the file, the header being row 1
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


def _common_date(value: str) -> date | None:
    """dd-mm-yyyy, dd/mm/yyyy, yyyymmdd and yyyy-mm-dd written out in full, without strptime (the importers read
    hundreds of thousands); anything else, or no such day, is None and goes the slow way."""
    try:
        if len(value) == 10 and value[2] == value[5] and value[2] in "-/" and ascii_code(value[:2] + value[3:5] + value[6:], 8):
            return date(int(value[6:]), int(value[3:5]), int(value[:2]))
        if len(value) == 10 and value[4] == value[7] == "-" and ascii_code(value[:4] + value[5:7] + value[8:], 8):
            return date(int(value[:4]), int(value[5:7]), int(value[8:]))
        if ascii_code(value, 8):
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None
    return None


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
        if not ascii_code(value, 6):
            raise ValueError(f"URN must be 6 digits, not {value!r}" if value else "URN is missing")
        return value

    @classmethod
    def la_code(cls, value: str) -> str:
        value = value.strip()
        if not ascii_code(value, 3):
            raise ValueError(f"LA code must be 3 digits, not {value!r}" if value else "LA code is missing")
        return value

    @classmethod
    def _number(cls, value: str) -> float | None:
        value = value.strip()
        if value.lower() in cls.MISSING:
            return None
        if not NUMBER.fullmatch(value):
            raise ValueError(f"must be a number written with the digits 0 to 9, not {value!r}")
        number = float(value)
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
    def postcode(cls, value: str) -> str:
        """A UK postcode in capitals with one space ("CB24 9JR"), or "" when missing."""
        value = " ".join(value.upper().split())
        if value.lower() in cls.MISSING:
            return ""
        if not POSTCODE.fullmatch(value):
            raise ValueError(f"must be a UK postcode like CB24 9JR, not {value!r}")
        return value if " " in value else f"{value[:-3]} {value[-3:]}"

    @classmethod
    def date(cls, value: str) -> date | None:
        value = value.strip()
        if value.lower() in cls.MISSING:
            return None
        if not value.isascii():  # strptime's %d reads digits from any script
            raise ValueError(f"is not a date written with the digits 0 to 9: {value!r}")
        parsed = _common_date(value)
        if parsed is not None and 1800 <= parsed.year <= 2100:
            return parsed
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
