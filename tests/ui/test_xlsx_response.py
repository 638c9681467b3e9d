"""Excel downloads (`portal.ui.csv_export.xlsx_response`) are written a row at a time in openpyxl's write-only mode:
what a reader sees is what the normal mode wrote (text as text, never a formula; days with a decimal place; dates as
the pages write them; a bold header; each column as wide as its widest value, 10 to 60), every row of a long table
is there, and the widths come from the header and the first WIDTH_ROWS rows only."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

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
