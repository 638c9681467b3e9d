"""The demo catalogues: Ealing's 2018/19 services from seed 003 and this year's copy, Cambridgeshire's two years."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from programmes.demo import ILLUSTRATIVE, LINK_PARTNER_ELEMENTS, build_catalogues
from programmes.models import Catalogue, Entitlement
from tests.factories import PartnershipSchoolFactory, make_member

pytestmark = [pytest.mark.django_db]


def test_the_demo_catalogues_follow_seed_003_are_published_and_built_once(partnership, other_partnership, broker):
    ealing = make_member(other_partnership, "broker")
    with scopes_disabled():
        member = PartnershipSchoolFactory(partnership=other_partnership).school
    built = build_catalogues(cambridgeshire=broker, ealing=ealing)
    seed = built["ealing"]["2018-19"]
    assert list(seed.services) == [
        "Primary schools ELP core entitlement", "Link partner", "Pay as you go, per day", "Pay as you go, per half day",
        "One-day package", "Two-day package", "Three-day package", "Assessment and moderation",
        "Securing Good Programme"]
    link = seed.services["Link partner"]
    assert link.days == 1 and link.half_days_allowed
    assert all(element in link.description for element in LINK_PARTNER_ELEMENTS)
    assert ILLUSTRATIVE in seed.catalogue.introduction
    current = built["ealing"]["2026-27"]
    assert current.catalogue.copied_from == seed.catalogue and current.catalogue.status == "published"
    assert current.services["Two-day package"].member_price == Decimal("865.20")  # 840 + 3%
    assert set(built["cambridgeshire"]) == {"2025-26", "2026-27"}
    with scopes_disabled():
        assert set(Entitlement.objects.filter(school=member).values_list("academic_year", flat=True)) == {
            "2018-19", "2026-27"}
        again = build_catalogues(cambridgeshire=broker, ealing=ealing)
        assert Catalogue.objects.count() == 4
        assert Entitlement.objects.filter(school=member).count() == 2
    assert again["ealing"]["2026-27"].services.keys() == current.services.keys()
