"""A school's statement lines read by hand-written SQL on PostgreSQL (each line's order through a memoized LATERAL
sub-query) are the rows the ORM query reads (the path SQLite takes): same values, same order, with and without an
order line, and only the school's and the year's lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from programmes.finance import selectors
from tests.factories import CatalogueFactory, ChargeLineFactory, OrderLineFactory, SchoolFactory

pytestmark = [pytest.mark.django_db]


def test_the_lines_are_the_orm_querys_rows(partnership, monkeypatch):
    with scopes_disabled():
        catalogue = CatalogueFactory(partnership=partnership, academic_year="2026-27")
        school, other = SchoolFactory(urn="710001"), SchoolFactory(urn="710002")
        ordered = OrderLineFactory(partnership=partnership, order__catalogue=catalogue, order__school=school)
        big = OrderLineFactory(partnership=partnership, order__catalogue=catalogue, order__school=school,
                               order__id=1234567)
        for index in range(12):
            for who in (school, other):
                ChargeLineFactory(partnership=partnership, school=who, service__catalogue=catalogue,
                                  description=f"Line {index % 5}", kind=["order", "credit", "payg"][index % 3],
                                  order_line=[None, ordered, big][index % 3], amount=Decimal(index * 7 - 30),
                                  charge_date=date(2026, 4 + index % 9, 1 + index % 3),
                                  invoice_date=date(2026, 4 + index % 9, 1), financial_year="2026-27")
        ChargeLineFactory(partnership=partnership, school=school, service__catalogue=catalogue,
                          charge_date=date(2027, 4, 2), invoice_date=date(2027, 4, 1), financial_year="2027-28")
        found = selectors.statement_lines(partnership=partnership, school_id=school.urn, financial_year="2026-27")
        monkeypatch.setattr(connection, "vendor", "sqlite")  # the ORM query
        expected = selectors.statement_lines(partnership=partnership, school_id=school.urn, financial_year="2026-27")
    assert found == expected
    assert len(found) == 12 and {line.order_id for line in found} == {None, ordered.order_id, 1234567}
