"""An Excel workbook of one table, its XML written here (Office Open XML, ECMA-376) rather than by openpyxl.

openpyxl builds an object for every cell and writes its XML through a general serialiser: a finance year's 100,000
lines took 26 s, near a worker's 30 s timeout. A table needs five small fixed parts and one sheet, and the sheet is
rows of cells of four kinds (text, number, number of days with a decimal place, date), so it is written a thousand
rows at a time straight into the zip. What a reader sees is what openpyxl wrote (`tests/ui/test_xlsx_response.py`
reads both back with openpyxl): text as inline text, never a formula; the header bold; widths as given. The header
row is frozen, so it stays in view as the reader scrolls.

Values arrive as `csv_export._xlsx_value` leaves them: None, str (already through `safe_cell`), int, float, Decimal,
date or datetime."""

from __future__ import annotations

import math
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from django.utils import timezone
from openpyxl.utils import get_column_letter

CHUNK_ROWS = 1000
# Style indexes, the order of `cellXfs` in STYLES.
_BOLD, _DECIMAL, _DATE = 1, 2, 3
_EPOCH = date(1899, 12, 30)  # day 0 of a workbook's dates (1900 date system, as Excel and openpyxl write them)
_EPOCH_TIME = datetime(1899, 12, 30)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

CONTENT_TYPES = (
    f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '</Types>')
PACKAGE_RELATIONSHIPS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}">'
    f'<Relationship Id="rId1" Type="{_DOCUMENT}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PACKAGE}/metadata/core-properties" Target="docProps/core.xml"/>'
    '</Relationships>')
WORKBOOK_RELATIONSHIPS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}">'
    f'<Relationship Id="rId1" Type="{_DOCUMENT}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOCUMENT}/styles" Target="styles.xml"/>'
    '</Relationships>')
_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
_XF = 'fontId="{}" fillId="0" borderId="0" xfId="0"'
STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="0.0"/>'  # 8.0 stays 8.0, as on the page
    '<numFmt numFmtId="165" formatCode="d mmmm yyyy"/></numFmts>'  # 1 September 2026, as on the pages
    f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    f'<cellXfs count="4"><xf numFmtId="0" {_XF.format(0)}/><xf numFmtId="0" {_XF.format(1)} applyFont="1"/>'
    f'<xf numFmtId="164" {_XF.format(0)} applyNumberFormat="1"/>'
    f'<xf numFmtId="165" {_XF.format(0)} applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def workbook_bytes(*, title: str, sheet: str, header: Sequence[str], rows: Iterable[Sequence],
                   widths: Sequence[float]) -> bytes:
    """The .xlsx file: `title` is the document's title, `sheet` the sheet's name (both already clean), `header`
    the bold first row, `widths` each column's width in characters."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELATIONSHIPS)
        archive.writestr("docProps/core.xml", _core(title))
        archive.writestr("xl/workbook.xml", f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_DOCUMENT}"><sheets>'
                                            f'<sheet name="{_attribute(sheet)}" sheetId="1" r:id="rId1"/>'
                                            '</sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELATIONSHIPS)
        archive.writestr("xl/styles.xml", STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            for text in sheet_xml(header, rows, widths):
                part.write(text.encode())
    return buffer.getvalue()


def sheet_xml(header: Sequence[str], rows: Iterable[Sequence], widths: Sequence[float]) -> Iterable[str]:
    """The sheet's XML in pieces of CHUNK_ROWS rows."""
    columns = "".join(f'<col min="{index}" max="{index}" width="{width:g}" customWidth="1"/>'
                      for index, width in enumerate(widths, start=1))
    yield (f'{_XML}<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
           '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
           '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
           f'<sheetFormatPr defaultRowHeight="15"/>{"<cols>" + columns + "</cols>" if columns else ""}<sheetData>')
    letters = _Letters()
    yield _row(1, header, letters, _BOLD)
    chunk: list[str] = []
    for number, row in enumerate(rows, start=2):
        chunk.append(_row(number, row, letters))
        if len(chunk) == CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk) + "</sheetData></worksheet>"


class _Letters(dict):
    """Column letters by index from 0, made as they are first asked for."""

    def __missing__(self, index: int) -> str:
        self[index] = letter = get_column_letter(index + 1)
        return letter


def _row(number: int, values: Sequence, letters: _Letters, text_style: int = 0) -> str:
    cells = []
    for index, value in enumerate(values):
        if value is None or value == "":
            continue  # an empty cell, as openpyxl leaves it
        reference = f"{letters[index]}{number}"
        if isinstance(value, str):
            cells.append(_text(reference, value, text_style))
        elif isinstance(value, int | float):
            cells.append(f'<c r="{reference}"><v>{value!r}</v></c>' if type(value) is int or math.isfinite(value) else
                         _text(reference, str(value), text_style))
        elif isinstance(value, Decimal):
            cells.append(f'<c r="{reference}" s="{_DECIMAL}"><v>{value:f}</v></c>' if value.is_finite() else
                         _text(reference, str(value), text_style))
        elif isinstance(value, date):
            cells.append(f'<c r="{reference}" s="{_DATE}"><v>{_serial(value)}</v></c>')
        else:
            cells.append(_text(reference, str(value), text_style))
    return f'<row r="{number}">{"".join(cells)}</row>'


def _text(reference: str, value: str, style: int) -> str:
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    styled = f' s="{style}"' if style else ""
    return f'<c r="{reference}"{styled} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>'


def _escape(value: str) -> str:
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")  # a reader would turn a bare \r\n into \n
    return value


def _attribute(value: str) -> str:
    return _escape(value).replace('"', "&quot;")


def _serial(value: date) -> str:
    """A date as a workbook holds it: days since 30 December 1899, with the time of day as a fraction."""
    if not isinstance(value, datetime):
        return str((value - _EPOCH).days)
    if timezone.is_aware(value):
        value = timezone.make_naive(value)
    elapsed = value - _EPOCH_TIME
    return repr(elapsed.days + (elapsed.seconds + elapsed.microseconds / 1_000_000) / 86_400)


def _core(title: str) -> str:
    now = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{_escape(title)}</dc:title>'
            f'<dc:creator>School-to-school support portal</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>')
