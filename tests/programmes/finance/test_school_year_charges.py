"""Each school's charge sums per financial year, kept by PostgreSQL triggers on the charge lines, always equal the
lines: after inserts one by one and in bulk, credits, changes of amount, kind, school and year, and deletes, in
any order (a Hypothesis property test), and when two connections add lines for the same school at once. The
finance page's totals per school and the take-up page's income read them, and give what summing the lines
gives."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from django.db.models import Count, F, Sum
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.tenancy.rls import cross_partnership
from programmes.finance import selectors
from programmes.models import ChargeKind, ChargeLine, SchoolYearCharges, Service
from tests.factories import SchoolFactory, ServiceFactory

YEARS = ["2025-26", "2026-27"]


def _from_lines(partnership) -> dict:
    """What summing the lines gives, per (year, school), in the finance page's shape."""
    found = {}
    for year in YEARS:
        for row in selectors.summed_lines(partnership=partnership, financial_year=year):
            found[(year, row["school_id"])] = (row["charged"], row["credited"], row["total"], row["lines"])
    return found


def _by_service(partnership) -> tuple[dict, dict]:
    """Per (academic year, service, school), the lines' sum and count as take-up's income reads them, from the
    lines and from the kept sums (skipping sums whose lines are all gone)."""
    lines = {(year, service, school): (amount, n) for year, service, school, amount, n in ChargeLine.objects.filter(
        partnership=partnership).values_list("academic_year", "service_id", "school_id")
        .annotate(amount=Sum("amount"), n=Count("pk")).order_by()}
    sums = {(year, service, school): (amount, n) for year, service, school, amount, n in
            SchoolYearCharges.objects.filter(partnership=partnership)
            .values_list("academic_year", "service_id", "school_id")
            .annotate(amount=Sum(F("charged") + F("credited")), n=Sum(F("charge_lines") + F("credit_lines")))
            .filter(n__gt=0).order_by()}
    return lines, sums


def _agree(partnership) -> None:
    assert _from_sums(partnership) == _from_lines(partnership)
    lines, sums = _by_service(partnership)
    assert sums == lines


def _from_sums(partnership) -> dict:
    found = {}
    for year in YEARS:
        for row in selectors.school_totals(partnership=partnership, financial_year=year):
            found[(year, row["school_id"])] = (row["charged"], row["credited"], row["total"], row["lines"])
    return found


def _line(partnership, school, *, amount: str, kind: str = ChargeKind.ORDER, year: str = "2026-27",
          service=None) -> ChargeLine:
    return ChargeLine.objects.create(partnership=partnership, school=school, academic_year=year, financial_year=year,
                                     service=service,
                                     kind=kind, description="A line", unit_price=abs(Decimal(amount)),
                                     amount=Decimal(amount), charge_date="2026-09-01", invoice_date="2026-09-01")


@pytest.mark.django_db
def test_the_page_totals_are_the_lines_sums_through_every_kind_of_change(partnership, other_partnership):
    assert connection.vendor == "postgresql"  # the triggers are what is tested; CI runs PostgreSQL
    with scopes_disabled():
        first, second = SchoolFactory(name="Abbey Primary"), SchoolFactory(name="Barnwell Academy")
        service = ServiceFactory(partnership=partnership, catalogue__partnership=partnership)
        _line(partnership, first, amount="900.00", service=service)
        _line(partnership, first, amount="-900.00", kind=ChargeKind.CREDIT, service=service)
        _line(partnership, second, amount="450.50", kind=ChargeKind.PAYG, year="2025-26")
        ChargeLine.objects.bulk_create([ChargeLine(partnership=partnership, school=second, academic_year="2026-27",
                                                   financial_year="2026-27", kind=ChargeKind.PLACE, description="Place",
                                                   unit_price=Decimal("300"), amount=Decimal("300.00"),
                                                   charge_date="2026-10-01", invoice_date="2026-10-01")
                                        for _ in range(3)])
        _line(other_partnership, first, amount="12.00")  # another partnership's line is not in these sums
        _agree(partnership)
        assert _from_sums(partnership)[("2026-27", first.urn)] == (Decimal("900.00"), Decimal("-900.00"),
                                                                   Decimal("0.00"), 2)
        assert _from_sums(partnership)[("2026-27", second.urn)] == (Decimal("900.00"), None, Decimal("900.00"), 3)

        ChargeLine.objects.filter(partnership=partnership, kind=ChargeKind.PLACE).update(amount=Decimal("10.00"))
        ChargeLine.objects.filter(partnership=partnership, kind=ChargeKind.PAYG).update(financial_year="2026-27",
                                                                                         school=first)
        ChargeLine.objects.filter(partnership=partnership, kind=ChargeKind.CREDIT).update(kind=ChargeKind.ORDER)
        ChargeLine.objects.filter(partnership=partnership, kind=ChargeKind.PLACE).update(service=service,
                                                                                        academic_year="2025-26")
        _agree(partnership)
        ChargeLine.objects.filter(partnership=partnership, school=second).delete()
        _agree(partnership)
        assert ("2026-27", second.urn) not in _from_sums(partnership)  # no lines left: no row on the page
        assert SchoolYearCharges.objects.filter(partnership=other_partnership).count() == 1


OPERATIONS = st.lists(st.tuples(
    st.sampled_from(["add", "add many", "credit", "change amount", "move year", "move school", "move academic year",
                     "move service", "delete"]),
    st.integers(min_value=0, max_value=2), st.integers(min_value=-99999, max_value=99999)), min_size=1, max_size=12)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_the_sums_follow_the_lines_in_any_order(partnership, operations):
    with scopes_disabled():
        ChargeLine.objects.filter(partnership=partnership).delete()
        SchoolYearCharges.objects.filter(partnership=partnership).delete()
        schools = [SchoolFactory() for _ in range(3)]
        services = [None, Service.objects.filter(partnership=partnership).first()
                    or ServiceFactory(partnership=partnership, catalogue__partnership=partnership)]
        for operation, which, pence in operations:
            school, amount = schools[which], f"{Decimal(pence) / 100:.2f}"
            lines = ChargeLine.objects.filter(partnership=partnership, school=school)
            if operation == "add":
                _line(partnership, school, amount=amount, service=services[pence % 2])
            elif operation == "add many":
                for year in YEARS:
                    _line(partnership, school, amount=amount, year=year)
            elif operation == "credit":
                _line(partnership, school, amount=f"{-abs(Decimal(amount)):.2f}", kind=ChargeKind.CREDIT)
            elif operation == "change amount":
                lines.update(amount=Decimal(amount))
            elif operation == "move year":
                lines.update(financial_year=YEARS[pence % 2])
            elif operation == "move school":
                lines.update(school=schools[(which + 1) % 3])
            elif operation == "move academic year":
                lines.update(academic_year=YEARS[pence % 2])
            elif operation == "move service":
                lines.update(service=services[pence % 2])
            else:
                lines.filter(pk__in=lines.order_by("pk").values("pk")[:1]).delete()
            _agree(partnership)


@pytest.mark.django_db(transaction=True)
def test_two_connections_adding_lines_for_one_school_at_once_are_both_counted(partnership):
    with scopes_disabled():
        school = SchoolFactory()
    barrier, errors = threading.Barrier(2), []

    def add(amount: str) -> None:
        try:
            with cross_partnership("test: two writers at once", quiet=True):
                barrier.wait(timeout=10)
                for _ in range(20):
                    _line(partnership, school, amount=amount)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=add, args=(amount,)) for amount in ("1.00", "2.50")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    with scopes_disabled():
        assert _from_sums(partnership) == _from_lines(partnership)
        assert _from_sums(partnership)[("2026-27", school.urn)] == (Decimal("70.00"), None, Decimal("70.00"), 40)
