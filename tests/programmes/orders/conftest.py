"""A published catalogue with a package, a limited programme and a one-off service, and the head's school as a
member of the partnership."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from programmes.models import CancellationRule, ServiceKind
from tests.factories import CatalogueFactory, PartnershipSchoolFactory, ServiceFactory


@pytest.fixture
def shop(partnership, headteacher, broker):
    with scopes_disabled():
        school = headteacher.schools.get()
        PartnershipSchoolFactory(partnership=partnership, school=school, is_member=True)
        catalogue = CatalogueFactory(partnership=partnership, academic_year="2026-27",
                                     cancellation_rule=CancellationRule.BEFORE_START, created_by=broker.user)
        package = ServiceFactory(partnership=partnership, catalogue=catalogue, name="Two-day package",
                                 kind=ServiceKind.PACKAGE, days=Decimal("2.0"), member_price=Decimal("900.00"),
                                 terms="Days must be used by 31 August.", starts_on=date(2026, 9, 1),
                                 created_by=broker.user)
        programme = ServiceFactory(partnership=partnership, catalogue=catalogue, name="Securing Good Programme",
                                   kind=ServiceKind.PROGRAMME_PLACE, days=Decimal("0"), limit=1,
                                   member_price=Decimal("1500.00"), starts_on=date(2026, 10, 1),
                                   created_by=broker.user)
        moderation = ServiceFactory(partnership=partnership, catalogue=catalogue, name="Moderation training",
                                    kind=ServiceKind.OTHER, days=Decimal("0"), member_price=Decimal("250.00"),
                                    created_by=broker.user)
    return {"school": school, "catalogue": catalogue, "package": package, "programme": programme,
            "moderation": moderation}
