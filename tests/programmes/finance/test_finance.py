"""A school's statement by financial year, the partnership's totals and the finance export: the same lines, the
same totals, a fixed layout, formula-safe cells and a fixed number of queries."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from bs4 import BeautifulSoup
from django.db import connection, transaction
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programmes.finance import selectors
from programmes.finance.charges import charge_order_line, credit_order_line
from programmes.finance.exports import COLUMNS, export_rows
from programmes.funding.entitlements import grant_for_order_line
from programmes.models import Catalogue, ChargeLine, InvoiceSchedule
from tests.factories import (
    CatalogueFactory,
    ChargeLineFactory,
    OrderLineFactory,
    PartnershipSchoolFactory,
    SchoolFactory,
    ServiceFactory,
)

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def _csv(client, partnership, fy):
    response = client.get(reverse("programmes:finance_csv", args=[partnership.slug]) + f"?fy={fy}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _charge(partnership, school, *, on, amount, description="Two-day package", kind="order", catalogue=None):
    catalogue = catalogue or Catalogue.objects.filter(partnership=partnership).first() or CatalogueFactory(
        partnership=partnership)
    return ChargeLineFactory(partnership=partnership, school=school, service__catalogue=catalogue, financial_year="2026-27", academic_year="2026-27", kind=kind,
        description=description, quantity=Decimal("1"), unit_price=abs(amount), amount=amount, charge_date=on,
        invoice_date=on.replace(day=1))


def test_the_statement_groups_lines_by_invoice_date_and_totals_them(partnership):
    school = SchoolFactory(urn="123456")
    catalogue = CatalogueFactory(partnership=partnership, academic_year="2026-27",
                                 invoice_schedule=InvoiceSchedule.TERMLY)
    line = OrderLineFactory(partnership=partnership, order__catalogue=catalogue, order__school=school, quantity=2)
    charge_order_line(line, on=date(2026, 10, 5))
    credit_order_line(line, on=date(2027, 2, 3))
    found = selectors.statement(partnership=partnership, school=school, financial_year="2026-27")
    assert [(g.invoice_date, g.total) for g in found.groups] == [
        (date(2027, 1, 1), Decimal("1800.00")), (date(2027, 4, 1), Decimal("-1800.00"))]
    assert found.total == Decimal("0.00")
    # A line in another financial year is on that year's statement only.
    later = selectors.statement(partnership=partnership, school=school, financial_year="2027-28")
    assert later.lines == []


def test_the_export_has_the_documented_columns_in_order(client, partnership, broker):
    school = SchoolFactory(urn="123456", name="Ealing Primary", laestab="3072000")
    catalogue = CatalogueFactory(partnership=partnership, academic_year="2026-27")
    line = OrderLineFactory(partnership=partnership, order__catalogue=catalogue, order__school=school)
    [charge] = charge_order_line(line, on=date(2026, 10, 5))
    client.force_login(broker.user)
    header, row = _csv(client, partnership, "2026-27")
    assert tuple(header) == COLUMNS == (
        "partnership", "financial_year", "invoice_date", "school_urn", "laestab", "school_name", "line_id", "kind",
        "description", "quantity", "unit_price", "amount", "academic_year", "order_reference", "charge_date")
    assert row == [partnership.name, "2026-27", "2027-04-01", "123456", "3072000", "Ealing Primary", str(charge.pk),
                   "order", charge.description, "1.0", "900.00", "900.00", "2026-27", f"O{line.order_id:05d}",
                   "2026-10-05"]


def test_a_description_that_looks_like_a_formula_is_neutralised_in_csv_and_excel(client, partnership, broker):
    school = SchoolFactory(urn="123456", name="=HYPERLINK(\"http://evil\")")
    _charge(partnership, school, on=date(2026, 10, 5), amount=Decimal("10.00"), description="=1+1")
    client.force_login(broker.user)
    [_, row] = _csv(client, partnership, "2026-27")
    assert row[5].startswith("'=") and row[8] == "'=1+1"
    response = client.get(reverse("programmes:finance_xlsx", args=[partnership.slug]) + "?fy=2026-27")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for cell in sheet[2]]
    assert cells[8].value == "'=1+1" and cells[8].data_type == "s"
    assert [c.value for c in sheet[1]] == list(COLUMNS)


@pytest.mark.parametrize("lines", [1, 30])
def test_the_export_runs_a_fixed_number_of_queries(client, partnership, broker, lines, django_assert_num_queries):
    school = SchoolFactory(urn="123456")
    catalogue = CatalogueFactory(partnership=partnership)
    for day in range(lines):
        _charge(partnership, school, on=date(2026, 10, 1 + day % 28), amount=Decimal("5.00"), catalogue=catalogue)
    client.force_login(broker.user)
    url = reverse("programmes:finance_csv", args=[partnership.slug]) + "?fy=2026-27"
    # The session, the user, the membership with its partnership, the session saved (a savepoint, an update and
    # its release), then the download's settings and the lines through one cursor, however many there are (a
    # download outside a test's transaction adds its own BEGIN and COMMIT).
    with django_assert_num_queries(8) as captured:
        body = b"".join(client.get(url).streaming_content)
    assert body.count(b"\n") == lines + 1
    assert sum("programmes_chargeline" in q["sql"] for q in captured.captured_queries) == 1
    last = captured.captured_queries[-1]["sql"]
    assert last.startswith("SELECT") if connection.vendor == "sqlite" else last.startswith("DECLARE")


# A random mix of orders (one-off or annual, confirmed on any day of the year) and some of them cancelled on a
# later day: every school's statement total is the sum of its lines, and the export's total is the sum of every
# statement and of the finance page's per-school totals.
ORDERS = st.lists(st.tuples(st.integers(0, 2), st.integers(1, 3), st.integers(1, 999_999), st.booleans(),
                            st.integers(0, 364), st.one_of(st.none(), st.integers(0, 400))), min_size=1, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=ORDERS)
def test_statement_totals_equal_the_sum_of_lines_and_the_export_total(client, partnership, broker, orders):
    client.force_login(broker.user)
    with transaction.atomic():
        catalogue = CatalogueFactory(partnership=partnership, academic_year="2026-27",
                                     invoice_schedule=InvoiceSchedule.MONTHLY)
        schools = [SchoolFactory(urn=f"90000{i}") for i in range(3)]
        for school in schools:
            PartnershipSchoolFactory(partnership=partnership, school=school)
        for which, quantity, pennies, annual, day, cancel_after in orders:
            service = ServiceFactory(partnership=partnership, catalogue=catalogue, annual=annual,
                                     member_price=Decimal(pennies) / 100)
            line = OrderLineFactory(partnership=partnership, order__catalogue=catalogue, order__school=schools[which],
                                    service=service, quantity=quantity)
            confirmed = date(2026, 6, 1) + timedelta(days=day)
            charge_order_line(line, on=confirmed)
            if cancel_after is not None:
                credit_order_line(line, on=confirmed + timedelta(days=cancel_after))
        for fy in ("2026-27", "2027-28"):
            rows = _csv(client, partnership, fy)[1:]
            export_total = sum((Decimal(row[11]) for row in rows), start=Decimal("0"))
            statements = [selectors.statement(partnership=partnership, school=s, financial_year=fy) for s in schools]
            for found in statements:
                assert found.total == sum((line.amount for line in found.lines), start=Decimal("0"))
                assert found.total == sum((g.total for g in found.groups), start=Decimal("0"))
            in_db = sum(ChargeLine.objects.filter(partnership=partnership, financial_year=fy).values_list(
                "amount", flat=True), start=Decimal("0"))
            per_school = sum((r["total"] for r in selectors.school_totals(partnership=partnership, financial_year=fy)),
                             start=Decimal("0"))
            assert export_total == sum(s.total for s in statements) == in_db == per_school
            assert len(rows) == sum(len(s.lines) for s in statements)
        transaction.set_rollback(True)


def test_the_school_page_shows_days_orders_and_the_statement_with_a_fixed_query_count(
        client, partnership, headteacher, django_assert_num_queries):
    school = headteacher.schools.get()
    PartnershipSchoolFactory(partnership=partnership, school=school)
    catalogue = CatalogueFactory(partnership=partnership, academic_year="2026-27")
    line = OrderLineFactory(partnership=partnership, order__catalogue=catalogue, order__school=school)
    charge_order_line(line, on=date(2026, 10, 5))
    grant_for_order_line(line)
    client.force_login(headteacher.user)
    url = reverse("programmes:school_account", args=[partnership.slug, school.urn]) + "?year=2026-27&fy=2026-27"
    # The session, the user, the membership, the school, its years, orders, days and statement lines, the session
    # saved (a savepoint, an update and its release).
    with django_assert_num_queries(11):
        response = client.get(url)
    page = BeautifulSoup(response.content, "html.parser")
    assert "£900.00" in page.select_one("#statement-total").text
    assert "2 days" in page.get_text()
    # Another school is not the head's to see.
    other = SchoolFactory(urn="654321")
    PartnershipSchoolFactory(partnership=partnership, school=other)
    assert client.get(reverse("programmes:school_account", args=[partnership.slug, other.urn])).status_code == 404


def test_the_steering_group_sees_any_partnership_school_and_the_finance_totals(client, partnership, broker):
    school = SchoolFactory(urn="654321", name="Client School")
    PartnershipSchoolFactory(partnership=partnership, school=school, is_member=False)
    _charge(partnership, school, on=date(2026, 10, 5), amount=Decimal("120.00"))
    _charge(partnership, school, on=date(2026, 11, 5), amount=Decimal("-20.00"), kind="credit")
    client.force_login(broker.user)
    assert client.get(reverse("programmes:school_account", args=[partnership.slug, school.urn])).status_code == 200
    response = client.get(reverse("programmes:finance", args=[partnership.slug]) + "?fy=2026-27")
    page = BeautifulSoup(response.content, "html.parser")
    assert page.select_one("#finance-total").text == "£100.00"
    # A school outside the partnership is not on anyone's page here.
    stranger = SchoolFactory(urn="777777")
    assert client.get(reverse("programmes:school_account", args=[partnership.slug, stranger.urn])).status_code == 404


def test_the_export_query_is_built_in_scope_and_read_after_it_ends(partnership):
    """A streamed response is read after the view returns and its partnership scope has closed."""
    school = SchoolFactory(urn="123456")
    _charge(partnership, school, on=date(2026, 10, 5), amount=Decimal("1.00"))
    with scope(partnership=partnership):
        rows = export_rows(partnership=partnership, financial_year="2026-27")
    with scope(_enabled=True):  # scopes on, and no partnership's
        assert len(list(rows)) == 1


def test_a_credit_is_a_plain_negative_number_in_the_export(client, partnership, broker):
    school = SchoolFactory(urn="123456")
    _charge(partnership, school, on=date(2026, 11, 5), amount=Decimal("-20.00"), kind="credit")
    client.force_login(broker.user)
    [_, row] = _csv(client, partnership, "2026-27")
    assert (row[10], row[11], row[13]) == ("20.00", "-20.00", "")


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_school_and_finance_pages_run_the_same_queries_for_few_and_many_lines(client, partnership, broker):
    school = SchoolFactory(urn="654321", name="Client School")
    PartnershipSchoolFactory(partnership=partnership, school=school)
    catalogue = CatalogueFactory(partnership=partnership, academic_year="2026-27")
    client.force_login(broker.user)
    urls = [reverse("programmes:school_account", args=[partnership.slug, school.urn]) + "?year=2026-27&fy=2026-27",
            reverse("programmes:finance", args=[partnership.slug]) + "?fy=2026-27"]

    def grow(first, count):
        for n in range(first, first + count):
            line = OrderLineFactory(partnership=partnership, order__catalogue=catalogue, order__school=school)
            charge_order_line(line, on=date(2026, 9 + n % 4, 1 + n % 27))
            grant_for_order_line(line)
            other = SchoolFactory(urn=f"5{n:05d}")
            PartnershipSchoolFactory(partnership=partnership, school=other)
            _charge(partnership, other, on=date(2026, 10, 5), amount=Decimal("3.00"), catalogue=catalogue)

    grow(0, 1)
    few = [_count(client, url) for url in urls]
    grow(1, 12)
    # The school page: its orders, days, statement lines and the year choices; the finance page: the totals
    # per school and the year choices, beside the request's own (session, user, membership).
    assert [_count(client, url) for url in urls] == few
