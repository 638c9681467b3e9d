"""A cohort of two places priced by the catalogue's programme-place service (refunds until the cohort starts), and
the head's school a member of the partnership."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from programmes.models import CancellationRule, ServiceKind
from tests.factories import CatalogueFactory, PartnershipSchoolFactory, ServiceFactory
from tests.factories.places import make_cohort


@pytest.fixture
def world(partnership, headteacher, broker):
    with scopes_disabled():
        school = headteacher.schools.get()
        PartnershipSchoolFactory(partnership=partnership, school=school, is_member=True)
        catalogue = CatalogueFactory(partnership=partnership, academic_year="2026-27",
                                     cancellation_rule=CancellationRule.BEFORE_START, created_by=broker.user)
        service = ServiceFactory(partnership=partnership, catalogue=catalogue, name="Middle leaders' place",
                                 kind=ServiceKind.PROGRAMME_PLACE, days=Decimal("0"), member_price=Decimal("650.00"),
                                 non_member_price=Decimal("800.00"), created_by=broker.user)
        cohort = make_cohort(partnership, places=2, service=service, created_by=broker.user)
    return {"school": school, "catalogue": catalogue, "service": service, "cohort": cohort}
