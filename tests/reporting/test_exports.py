"""Dashboard exports: CSV and Excel hold the page's figures, real dates, safe cells, and only what the reader may see."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
from django_scopes import scopes_disabled

from alliances.models import Specialism


def test_csv_and_excel_exports_hold_the_same_figures_as_the_page(client, world):
    client.force_login(world.broker.user)
    base = f"/p/{world.partnership.slug}/dashboards"
    response = client.get(f"{base}/export.csv?year=2026-27&table=requests")
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body)))[:2] == [
        ["Need area", "Waiting", "Taken on", "Leader found", "Under way", "Completed or stopped", "Not taken on", "Withdrawn", "Total"],
        ["Maths", "1", "0", "0", "2", "0", "0", "0", "3"]]
    response = client.get(f"{base}/export.xlsx?year=2026-27&table=capacity")
    assert response["Content-Disposition"] == f'attachment; filename="{world.partnership.slug}-capacity-2026-27.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Specialism" and values[2] == ["Maths", 2, 30, 14, 16, 11, 2, 0]
    assert sheet.title == "Capacity by specialism"
    assert client.get(f"{base}/export.csv?table=nope").status_code == 404


def test_excel_drops_characters_a_workbook_cannot_hold(client, world):
    with scopes_disabled():
        Specialism.objects.filter(pk=world.spec["Maths"].pk).update(name="Maths\x0b and numeracy")
    client.force_login(world.broker.user)
    response = client.get(f"/p/{world.partnership.slug}/dashboards/export.xlsx?year=2026-27&table=requests")
    assert openpyxl.load_workbook(io.BytesIO(response.content)).active["A2"].value == "Maths and numeracy"


def test_exports_are_safe_against_formula_injection(client, world):
    with scopes_disabled():
        Specialism.objects.filter(pk=world.spec["Maths"].pk).update(name='=HYPERLINK("http://evil.example","x")')
    client.force_login(world.broker.user)
    base = f"/p/{world.partnership.slug}/dashboards"
    body = b"".join(client.get(f"{base}/export.csv?year=2026-27&table=requests").streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body)))[1][0] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/export.xlsx?year=2026-27&table=requests").content)).active
    cell = sheet["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")


def test_an_la_officers_export_holds_only_their_las(client, world):
    client.force_login(world.officer.user)
    base = f"/p/{world.partnership.slug}/dashboards"
    # Asking for Ealing (307) is refused, so each export holds what the officer may see: Cambridgeshire's rows.
    theirs = {"breakdown": ["Cambridgeshire"], "requests": ["Maths", "Reading"], "capacity": ["Maths", "Reading"]}
    for table, first_column in theirs.items():
        response = client.get(f"{base}/export.csv?year=2026-27&la=307&table={table}")
        assert response.status_code == 200, table
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert [row[0] for row in csv.reader(io.StringIO(body))][1:] == first_column, table
        assert "Ealing" not in body and "East Acton" not in body


def test_a_schools_deployments_export_with_real_dates(client, world):
    client.force_login(world.officer.user)
    base = f"/p/{world.partnership.slug}/dashboards"
    body = b"".join(client.get(f"{base}/export.csv?year=2026-27&school=110602&table=school").streaming_content)
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    d1, d2 = world.deployments["D1"], world.deployments["D2"]
    assert table == [
        ["Deployment", "System leader", "Designation", "Starts", "Ends", "Status", "Days committed", "Days delivered",
         "Progress"],
        [d1.reference, "L1 Ada Lovelace", "SLE", "2026-09-14", "2027-02-12", "Under way", "4", "2",
         "Amber: partly on track"],
        [d2.reference, "L1 Ada Lovelace", "SLE", "2026-09-21", "2026-11-30", "Completed", "2", "2", ""],
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(
        f"{base}/export.xlsx?year=2026-27&school=110602&table=school").content)).active
    assert sheet["D2"].value.date() == date(2026, 9, 14) and sheet.title == "Deployments at the school"
    assert sheet["D2"].number_format == "d mmmm yyyy"  # shown as 14 September 2026, the pages' style
    # Without a school chosen the table is empty, not an error: the header row and nothing else.
    response = client.get(f"{base}/export.csv?year=2026-27&table=school")
    assert response.status_code == 200
    empty = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(empty))) == table[:1]
