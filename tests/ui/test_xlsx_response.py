"""Excel downloads (`portal.ui.csv_export.xlsx_response`) are written by `portal.ui.xlsx`, a row at a time: what a
reader sees is what openpyxl wrote (text as text, never a formula; days with a decimal place; dates as the pages
write them; a bold header; each column as wide as its widest value, 10 to 60), every row of a long table is there,
and the widths come from the header and the first WIDTH_ROWS rows only."""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from portal.ui import csv_export
from portal.ui.csv_export import xlsx_response


def _sheet(response):
    workbook = load_workbook(io.BytesIO(response.content))
    return workbook, workbook.active


def test_cells_read_back_as_the_pages_write_them():
    rows = [("=1+1", "Café", date(2026, 9, 14), Decimal("1.5"), 3, None, True, "x" * 80)]
    workbook, sheet = _sheet(xlsx_response("x.xlsx", "Finance: 2026/27", ["Name", "=H", "C", "D", "E", "F", "G", "H"],
                                           rows, description="Charges"))
    assert workbook.properties.title == "Charges" and sheet.title == "Finance  2026 27"
    header, row = list(sheet.iter_rows())
    assert [cell.value for cell in header] == ["Name", "'=H", "C", "D", "E", "F", "G", "H"]
    assert all(cell.font.b and cell.data_type == "s" for cell in header)
    assert [cell.value for cell in row] == ["'=1+1", "Café", row[2].value, Decimal("1.5"), 3, None, "Yes", "x" * 80]
    assert row[0].data_type == "s" and row[2].value.date() == date(2026, 9, 14)
    assert row[2].number_format == "d mmmm yyyy" and row[3].number_format == "0.0"
    assert not any(cell.font.b for cell in row)
    widths = {letter: dimension.width for letter, dimension in sheet.column_dimensions.items()}
    assert widths["A"] == 10 and widths["B"] == 10 and widths["H"] == 60


def test_a_long_table_is_every_row_with_widths_from_its_first_rows(monkeypatch):
    monkeypatch.setattr(csv_export, "WIDTH_ROWS", 3)
    rows = ([f"row {index}", "y" * (20 if index == 1 else 50 if index == 7 else 1)] for index in range(2500))
    _, sheet = _sheet(xlsx_response("x.xlsx", "Rows", ["Name", "Text"], rows))
    values = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == [f"row {index}" for index in range(2500)]
    assert sheet.column_dimensions["B"].width == 22  # row 1's 20 characters; row 7's 50 come after the first 3


AWKWARD = ["", " lead", "trail ", "a\r\nb", "x&y<z>", "]]>", "=1+1", "+44", "-3", "@a", "Café ☕", "\x01=2", "tab\tin",
           None, 0, -5, 12345678901, 1.5, 1e-7, 2.0 ** 60, float("inf"), Decimal("1.5"), Decimal("1E+2"),
           Decimal("-0.25"), Decimal("NaN"), date(2026, 9, 14), datetime(2026, 9, 14, 13, 30), True, False,
           "'quoted", 'say "hi"', "ends\n"]


def _as_openpyxl_wrote_it(title, header, rows):
    """The reference: the same table written by openpyxl's normal mode, cell by cell, as the downloads once were."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = csv_export._sheet_title(title)
    sheet.append([csv_export.safe_cell(name) for name in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            value = csv_export._xlsx_value(value)
            if isinstance(value, float | Decimal) and not (value == value and abs(value) != float("inf")):
                value = str(value)  # openpyxl refuses what is not a finite number; the download writes it as text
            cell = sheet.cell(number, column, value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif isinstance(value, Decimal):
                cell.number_format = "0.0"
            elif isinstance(value, date):
                cell.number_format = "d mmmm yyyy"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue())).active


def _cells(sheet):
    # A bare \r is lost by openpyxl's writer (a reader turns \r\n into \n); the download keeps it as &#13;.
    return [[(cell.value.replace("\r", "") if isinstance(cell.value, str) else cell.value, cell.number_format,
              bool(cell.font.b)) for cell in row] for row in sheet.iter_rows()]


def test_awkward_values_read_back_as_openpyxl_wrote_them():
    chosen = random.Random(17)
    rows = [[chosen.choice(AWKWARD) for _ in range(6)] for _ in range(300)] + [AWKWARD[:6], AWKWARD[6:12]]
    header = ["Name", "=H", "Café & co", "D", "E", "F"]
    _, sheet = _sheet(xlsx_response("x.xlsx", "Report: <2026>", header, rows))
    assert _cells(sheet) == _cells(_as_openpyxl_wrote_it("Report: <2026>", header, rows))
    assert sheet.title == "Report  <2026>"
    line_breaks = [cell.value for row in sheet.iter_rows() for cell in row if cell.value and "\n" in str(cell.value)]
    assert "a\r\nb" in line_breaks and "ends\n" in line_breaks


def test_the_file_is_a_plain_zip_with_the_header_row_frozen():
    response = xlsx_response("x.xlsx", "Rows", ["Name"], [["a"]], description="Tom & Jerry <list>")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="x.xlsx"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None and archive.namelist()[0] == "[Content_Types].xml"
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.properties.title == "Tom & Jerry <list>" and workbook.active.freeze_panes == "A2"
    read_only = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert [row for row in read_only.iter_rows(values_only=True)] == [("Name",), ("a",)]


def test_an_empty_table_is_its_header():
    _, sheet = _sheet(xlsx_response("x.xlsx", "Empty", ["Name", "Count"], []))
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [["Name", "Count"]]
    assert sheet.column_dimensions["A"].width == 10
