"""Charge lines from order lines (annual split, one-off, credits, pay as you go once per cause) and the grants of
core and bought entitlements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from portal.errors import Conflict
from programmes.finance.charges import charge_order_line, charge_payg, credit_order_line
from programmes.funding.entitlements import cancel_for_order_line, grant_core_entitlements, grant_for_order_line
from programmes.models import ChargeLine, Entitlement, EntitlementStatus, InvoiceSchedule, ServiceKind
from tests.factories import (
    CatalogueFactory,
    OrderLineFactory,
    PartnershipSchoolFactory,
    SchoolFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def test_an_annual_line_is_split_seven_twelfths_and_five_twelfths_across_the_financial_years():
    catalogue = CatalogueFactory(academic_year="2018-19")
    line = OrderLineFactory(order__catalogue=catalogue, partnership=catalogue.partnership,
                            service__annual=True, service__member_price=Decimal("1000.00"))
    autumn, summer = charge_order_line(line, on=date(2018, 7, 1))
    assert (autumn.financial_year, autumn.amount, autumn.charge_date, autumn.invoice_date) == (
        "2018-19", Decimal("583.33"), date(2018, 9, 1), date(2018, 9, 1))
    assert (summer.financial_year, summer.amount, summer.charge_date, summer.invoice_date) == (
        "2019-20", Decimal("416.67"), date(2019, 4, 1), date(2019, 4, 1))


def test_a_one_off_line_is_charged_when_confirmed_inside_the_year_and_billed_by_the_schedule():
    catalogue = CatalogueFactory(academic_year="2018-19", invoice_schedule=InvoiceSchedule.TERMLY)
    line = OrderLineFactory(order__catalogue=catalogue, partnership=catalogue.partnership, quantity=2)
    [charge] = charge_order_line(line, on=date(2018, 10, 10))
    assert (charge.amount, charge.financial_year, charge.invoice_date) == (
        Decimal("1800.00"), "2018-19", date(2019, 1, 1))
    # Confirmed before the year starts: charged on its first day.
    line2 = OrderLineFactory(order__catalogue=catalogue, partnership=catalogue.partnership)
    assert charge_order_line(line2, on=date(2018, 6, 1))[0].charge_date == date(2018, 9, 1)


def test_a_credit_mirrors_each_charge_once_and_the_lines_sum_to_nothing():
    catalogue = CatalogueFactory(academic_year="2018-19")
    line = OrderLineFactory(order__catalogue=catalogue, partnership=catalogue.partnership, service__annual=True)
    charge_order_line(line, on=date(2018, 9, 1))
    credits = credit_order_line(line, on=date(2018, 11, 1))
    assert [c.amount for c in credits] == [Decimal("-525.00"), Decimal("-375.00")]
    assert [c.financial_year for c in credits] == ["2018-19", "2019-20"]
    assert credit_order_line(line, on=date(2018, 11, 2)) == []
    assert sum(ChargeLine.objects.filter(order_line=line).values_list("amount", flat=True)) == 0


def test_pay_as_you_go_charges_once_per_visit_at_the_frozen_rate():
    catalogue = CatalogueFactory(academic_year="2018-19", invoice_schedule=InvoiceSchedule.MONTHLY)
    school = SchoolFactory()
    kwargs = {"partnership": catalogue.partnership, "school": school, "service": None, "description": "Visit",
              "days": Decimal("0.5"), "day_rate": Decimal("450.00"), "on": date(2018, 11, 14),
              "cause_type": "visit", "cause_id": 7}
    charge = charge_payg(**kwargs)
    assert (charge.amount, charge.invoice_date, charge.academic_year) == (
        Decimal("225.00"), date(2018, 12, 1), "2018-19")
    assert charge_payg(**kwargs) is None
    assert ChargeLine.objects.filter(cause_type="visit", cause_id=7).count() == 1


def test_core_entitlements_go_to_every_member_school_once():
    catalogue = CatalogueFactory(academic_year="2018-19")
    core = ServiceFactory(catalogue=catalogue, kind=ServiceKind.CORE, days=Decimal("1.0"), member_price=0)
    members = [PartnershipSchoolFactory(partnership=catalogue.partnership) for _ in range(3)]
    PartnershipSchoolFactory(partnership=catalogue.partnership, is_member=False)
    assert grant_core_entitlements(catalogue) == 3
    assert grant_core_entitlements(catalogue) == 0
    joiner = PartnershipSchoolFactory(partnership=catalogue.partnership)
    assert grant_core_entitlements(catalogue, school_ids=[joiner.school_id]) == 1
    assert set(Entitlement.objects.filter(service=core).values_list("school_id", flat=True)) == {
        m.school_id for m in [*members, joiner]}


def test_a_bought_package_gives_its_days_times_the_quantity_and_cancelling_is_refused_once_used():
    line = OrderLineFactory(quantity=3)
    entitlement = grant_for_order_line(line)
    assert entitlement.days == Decimal("6.0") and grant_for_order_line(line) == entitlement
    Entitlement.objects.filter(pk=entitlement.pk).update(used=Decimal("0.5"))
    with pytest.raises(Conflict):
        cancel_for_order_line(line, actor=UserFactory())
    Entitlement.objects.filter(pk=entitlement.pk).update(used=0)
    cancel_for_order_line(line, actor=UserFactory())
    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.CANCELLED
    assert grant_for_order_line(OrderLineFactory(service__kind=ServiceKind.PAYG_DAY, service__days=0)) is None


def test_pay_as_you_go_beyond_an_entitlement_counts_under_the_years_pay_as_you_go_service():
    catalogue = CatalogueFactory(academic_year="2018-19")
    core = ServiceFactory(catalogue=catalogue, kind=ServiceKind.CORE, days=Decimal("1.0"), member_price=0)
    payg = ServiceFactory(catalogue=catalogue, kind=ServiceKind.PAYG_DAY, days=0)
    charge = charge_payg(partnership=catalogue.partnership, school=SchoolFactory(), service=core, description="Visit",
                         days=Decimal("1.0"), day_rate=Decimal("450.00"), on=date(2018, 11, 14), cause_type="visit",
                         cause_id=8)
    assert charge.service == payg
    # Without a pay-as-you-go service in the catalogue, the charge keeps the service it was given.
    other = CatalogueFactory(academic_year="2019-20", partnership=catalogue.partnership)
    package = ServiceFactory(catalogue=other)
    charge = charge_payg(partnership=catalogue.partnership, school=SchoolFactory(), service=package,
                         description="Visit", days=Decimal("1.0"), day_rate=Decimal("450.00"), on=date(2019, 11, 14),
                         cause_type="visit", cause_id=9)
    assert charge.service == package
