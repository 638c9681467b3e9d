"""Which price a school pays and why: member, member academy, non-member (with the surcharge), and who may buy."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alliances.models import Phase
from programmes.models import PriceBasis
from programmes.pricing import NotForSale, eligibility_problem, is_academy, price_for
from tests.factories import SchoolFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def test_a_member_pays_the_member_price():
    price = price_for(ServiceFactory(), SchoolFactory(), is_member=True)
    assert (price.amount, price.basis) == (Decimal("900.00"), PriceBasis.MEMBER)
    assert "member of the partnership" in price.reason


def test_a_school_outside_pays_the_non_member_price_and_is_told_the_surcharge():
    price = price_for(ServiceFactory(), SchoolFactory(), is_member=False)
    assert (price.amount, price.basis) == (Decimal("1200.00"), PriceBasis.NON_MEMBER)
    assert "£300.00 more than members pay" in price.reason


def test_a_member_academy_pays_the_member_rate_unless_the_partnership_sets_an_academy_price():
    academy = SchoolFactory(type_group_code="10", type_group_name="Academies")
    assert is_academy(academy)
    assert price_for(ServiceFactory(), academy, is_member=True).basis == PriceBasis.MEMBER
    price = price_for(ServiceFactory(academy_price=Decimal("950.00")), academy, is_member=True)
    assert (price.amount, price.basis) == (Decimal("950.00"), PriceBasis.ACADEMY)
    # A maintained school is not charged the academy price.
    assert price_for(ServiceFactory(academy_price=Decimal("950.00")), SchoolFactory(type_group_code="4"),
                     is_member=True).basis == PriceBasis.MEMBER


def test_older_files_name_academies_in_words():
    assert is_academy(SchoolFactory(type_group_code="", type_name="Academy converter"))
    assert is_academy(SchoolFactory(type_group_code="", type_group_name="Free Schools"))
    assert not is_academy(SchoolFactory(type_group_code="", type_name="Community school"))


@pytest.mark.parametrize(("service", "school", "member", "problem"), [
    ({"for_non_members": False, "non_member_price": None}, {}, False, "only for member schools"),
    ({"for_members": False}, {}, True, "only for schools outside"),
    ({"phases": [Phase.SECONDARY]}, {"phase": Phase.PRIMARY}, True, "phase"),
    ({"school_type_groups": ["Special schools"]}, {"type_group_name": "Academies"}, True, "type of school"),
])
def test_who_may_buy(service, school, member, problem):
    service, school = ServiceFactory(**service), SchoolFactory(**school)
    assert problem in eligibility_problem(service, school, is_member=member)
    with pytest.raises(NotForSale, match=problem):
        price_for(service, school, is_member=member)


def test_the_factories_keep_every_row_in_one_partnership():
    from tests.factories import ChargeLineFactory, EntitlementFactory, OrderLineFactory

    line = OrderLineFactory()
    assert line.partnership == line.order.partnership == line.service.partnership == line.order.catalogue.partnership
    assert line.service.catalogue == line.order.catalogue
    entitlement = EntitlementFactory()
    assert entitlement.partnership == entitlement.service.partnership and entitlement.balance == Decimal("2.0")
    charge = ChargeLineFactory()
    assert charge.partnership == charge.service.partnership
