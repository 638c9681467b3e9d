"""The finance CSV written by `csv_lines` (on PostgreSQL one statement, most lines written by the database, read a
batch at a time from a cursor) is byte for byte the CSV `csv_response` writes from `export_rows`, for text that is
plain and text that is not: commas and quotes to quote, formulas to guard, spaces and invisible characters, line
breaks, tabs and backslashes, letters outside ASCII, empty cells, credits, lines with and without an order; and on
the fallback Python writes for SQLite. Row-level security applies to the statement: another partnership's scope
reads none of the lines. The lines stream: the first batch leaves while the rest are still in the cursor."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from portal.ui.csv_export import csv_response
from programmes.finance import exports
from programmes.finance.exports import COLUMNS, csv_lines, export_rows
from programmes.models import ChargeKind
from tests.factories import CatalogueFactory, ChargeLineFactory, OrderLineFactory, SchoolFactory

pytestmark = [pytest.mark.django_db]

TEXTS = ["Two-day package", "Comma, inside", 'Quote "inside"', '"Quoted", and more', "=1+1", "+44 1234", "-5",
         "@SUM(A1)", " =after a space", "\t=after a tab", "\u200b=after a zero-width space", "\uff1dfull width",
         "Café day", "é first", "Line\nbreak", "Carriage\rreturn", "Del\x7f", "", "1,000", "\\.", "a\\.b",
         "'apostrophe", "x" * 300, "Ünïcode", "\ufeffmark", "Tab\tinside", "~tilde", "  ", "A"]


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def _expected(partnership, fy: str) -> bytes:
    response = csv_response("x.csv", COLUMNS, export_rows(partnership=partnership, financial_year=fy))
    return b"".join(response.streaming_content)


def _written(partnership, fy: str) -> bytes:
    return b"".join(csv_lines(partnership=partnership, financial_year=fy))


def _lines(partnership):
    catalogue = CatalogueFactory(partnership=partnership, academic_year="2026-27")
    schools = [SchoolFactory(urn="700001", name="Plain Primary", laestab="8881234"),
               SchoolFactory(urn="700002", name='St Mary\'s, "Church" School', laestab=""),
               SchoolFactory(urn="700003", name="=Formula Academy", laestab="=12"),
               SchoolFactory(urn="7 ,\"é", name="Émile École", laestab="1")]
    ordered = OrderLineFactory(partnership=partnership, order__catalogue=catalogue, order__school=schools[0])
    big = OrderLineFactory(partnership=partnership, order__catalogue=catalogue, order__school=schools[1],
                           order__id=1234567)
    start = date(2026, 4, 1)
    for index, text in enumerate(TEXTS * 2):
        school = schools[index % len(schools)]
        on = start + timedelta(days=(index * 37) % 365)
        amount = Decimal(index * 1234567 % 99999999) / 100 * (-1 if index % 5 == 0 else 1)
        ChargeLineFactory(
            partnership=partnership, school=school, service__catalogue=catalogue, description=text,
            kind=[ChargeKind.ORDER, ChargeKind.CREDIT, ChargeKind.PAYG, "=odd", ChargeKind.PLACE][index % 5],
            academic_year="2026-27" if index % 7 else "-2026",
            order_line=[None, ordered, big][index % 3], quantity=Decimal(index % 4) + Decimal("0.5"),
            unit_price=abs(amount), amount=amount, charge_date=on, invoice_date=on.replace(day=1))


def test_the_lines_are_the_csv_modules_bytes(partnership):
    _lines(partnership)
    for name in ("North West Alliance", 'North, "West" Alliance', "=Alliance", "Alliance é"):
        partnership.name = name
        expected = _expected(partnership, "2026-27")
        assert _written(partnership, "2026-27") == expected
        assert expected.count(b"\r\n") > len(TEXTS) * 2
    assert _written(partnership, "2025-26") == _expected(partnership, "2025-26")  # a year with no lines: the header


def test_a_year_longer_than_a_batch_is_every_line_in_order(partnership, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 4)  # chunks with only database lines, and with Python's among them
    catalogue = CatalogueFactory(partnership=partnership, academic_year="2026-27")
    school = SchoolFactory(urn="700009", name="Big School")
    for index in range(23):
        ChargeLineFactory(partnership=partnership, school=school, service__catalogue=catalogue,
                          description=["Comma, line", f"Line {index}", "Line", "Line", " space first"][index % 5],
                          charge_date=date(2026, 5, 1 + index % 28), invoice_date=date(2026, 6, 1),
                          quantity=Decimal("1"), unit_price=Decimal("1.00"), amount=Decimal("1.00"))
    written = _written(partnership, "2026-27")
    assert written == _expected(partnership, "2026-27")
    assert written.count(b"\r\n") == 24


def _open_cursors() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_cursors")
        return [name for name, in cursor.fetchall()]


def test_the_first_lines_leave_before_the_last_are_read(partnership, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 5)
    catalogue = CatalogueFactory(partnership=partnership, academic_year="2026-27")
    school = SchoolFactory(urn="700010", name="Stream School")
    for index in range(12):
        ChargeLineFactory(partnership=partnership, school=school, service__catalogue=catalogue,
                          description=f"Line {index}", charge_date=date(2026, 5, 1 + index),
                          invoice_date=date(2026, 6, 1))
    chunks = csv_lines(partnership=partnership, financial_year="2026-27")
    header, first = next(chunks), next(chunks)
    assert first.count(b"\r\n") == 5 and b"Line 0," in first and b"Line 5," not in first
    assert len(_open_cursors()) == 1  # the other seven lines are still the database's to send
    rest = b"".join(chunks)
    assert rest.count(b"\r\n") == 7 and b"Line 11," in rest
    assert _open_cursors() == []
    assert header + first + rest == _expected(partnership, "2026-27")


def test_a_download_left_unread_closes_its_cursor(partnership, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 2)
    _lines(partnership)
    chunks = csv_lines(partnership=partnership, financial_year="2026-27")
    next(chunks), next(chunks)
    assert len(_open_cursors()) == 1
    chunks.close()  # as Django does when the client goes away
    assert _open_cursors() == []


def test_python_writes_the_same_bytes_where_the_database_does_not(partnership, monkeypatch):
    _lines(partnership)
    expected = _written(partnership, "2026-27")
    monkeypatch.setattr(connection, "vendor", "sqlite")  # the fallback: values read, every line written in Python
    assert _written(partnership, "2026-27") == expected


def test_the_lines_are_read_in_the_scope_they_were_asked_in(partnership):
    _lines(partnership)
    expected = _written(partnership, "2026-27")
    with scope(partnership=partnership):
        chunks = csv_lines(partnership=partnership, financial_year="2026-27")
    with scope(_enabled=True):  # scopes on, and no partnership's
        assert b"".join(chunks) == expected


def test_another_partnerships_scope_reads_none_of_the_lines(partnership, other_partnership):
    _lines(partnership)
    with scope(partnership=partnership):
        ours = b"".join(csv_lines(partnership=partnership, financial_year="2026-27"))
    with scope(partnership=other_partnership):
        theirs = b"".join(csv_lines(partnership=partnership, financial_year="2026-27"))
    assert ours.count(b"\r\n") > len(TEXTS) * 2
    assert theirs == ours.split(b"\r\n", 1)[0] + b"\r\n"  # the header alone


def test_the_demo_datas_exports_are_the_csv_modules_bytes():
    from django.core.management import call_command

    from portal.models import Partnership
    from programmes.models import ChargeLine

    call_command("seed_demo", "--quiet-sign-ins")
    years = set(ChargeLine.objects.values_list("partnership", "financial_year").distinct())
    assert years
    for partnership in Partnership.objects.filter(pk__in={pk for pk, _ in years}):
        for fy in {fy for pk, fy in years if pk == partnership.pk}:
            with scope(partnership=partnership):
                written = _written(partnership, fy)
            assert written == _expected(partnership, fy)
            assert written.count(b"\r\n") == 1 + ChargeLine.objects.filter(partnership=partnership,
                                                                          financial_year=fy).count()


@pytest.mark.django_db(transaction=True)
def test_a_download_outside_a_transaction_reads_in_one_of_its_own(partnership, monkeypatch):
    """As in production: the view has returned and autocommit is on when the lines are read."""
    monkeypatch.setattr(exports, "BATCH", 5)
    _lines(partnership)
    expected = _expected(partnership, "2026-27")
    assert not connection.in_atomic_block
    chunks = csv_lines(partnership=partnership, financial_year="2026-27")
    header, first = next(chunks), next(chunks)
    assert connection.in_atomic_block and len(_open_cursors()) == 1
    assert header + first + b"".join(chunks) == expected
    assert not connection.in_atomic_block and _open_cursors() == []
