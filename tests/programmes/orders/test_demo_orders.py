"""The demo builder orders, sends and confirms through the real services, given any published catalogue."""

from __future__ import annotations

from datetime import date

import pytest
from django_scopes import scopes_disabled

from programmes.demo_orders import build_orders
from programmes.models import ChargeLine, Entitlement, OrderStatus
from tests.factories import PartnershipSchoolFactory, SchoolFactory, make_member

pytestmark = [pytest.mark.django_db]


def test_build_orders_places_sends_and_confirms_all_but_the_last(partnership, headteacher, broker, shop):
    with scopes_disabled():
        for index in range(3):
            school = SchoolFactory(urn=f"20000{index}")
            PartnershipSchoolFactory(partnership=partnership, school=school, is_member=True)
            make_member(partnership, "headteacher").schools.add(school)
        orders = build_orders(shop["catalogue"], today=date(2026, 7, 1))
        assert len(orders) == 4
        statuses = [o.status for o in orders]
        assert statuses == [OrderStatus.CONFIRMED] * 3 + [OrderStatus.SUBMITTED]
        assert Entitlement.objects.filter(order_line__order__in=orders[:3]).count() == 3
        assert ChargeLine.objects.filter(school_id__in=[o.school_id for o in orders[:3]]).count() == 3
        # Again: every school has ordered already, so nothing more.
        assert build_orders(shop["catalogue"], today=date(2026, 7, 1)) == []
