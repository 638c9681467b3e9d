"""Catalogue, order, entitlement and charge rows. For arranging data only: a test of a service calls the
service (these write no audit events, move no counters and send no notifications)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory

from programmes.models import (
    Catalogue,
    CatalogueStatus,
    ChargeKind,
    ChargeLine,
    Entitlement,
    EntitlementSource,
    Order,
    OrderLine,
    OrderStatus,
    PriceBasis,
    Service,
    ServiceKind,
    ServiceStatus,
)
from tests.factories.alliances import SchoolFactory
from tests.factories.base import TenantFactory, in_parent_partnership
from tests.factories.portal import PartnershipFactory, UserFactory


class CatalogueFactory(TenantFactory):
    class Meta:
        model = Catalogue

    partnership = factory.SubFactory(PartnershipFactory)
    academic_year = "2026-27"
    title = factory.LazyAttribute(lambda o: f"School improvement services {o.academic_year}")
    status = CatalogueStatus.PUBLISHED
    created_by = factory.SubFactory(UserFactory)


class ServiceFactory(TenantFactory):
    """A published two-day package for member schools at £900 (non-members £1,200)."""

    _parents = ("catalogue",)

    class Meta:
        model = Service

    partnership = factory.SubFactory(PartnershipFactory)
    catalogue = in_parent_partnership(CatalogueFactory)
    status = ServiceStatus.PUBLISHED
    name = factory.Sequence(lambda n: f"Two-day package {n}")
    kind = ServiceKind.PACKAGE
    days = Decimal("2.0")
    for_members = True
    for_non_members = True
    member_price = Decimal("900.00")
    non_member_price = Decimal("1200.00")
    created_by = factory.SubFactory(UserFactory)


class OrderFactory(TenantFactory):
    _parents = ("catalogue",)

    class Meta:
        model = Order

    partnership = factory.SubFactory(PartnershipFactory)
    catalogue = in_parent_partnership(CatalogueFactory)
    school = factory.SubFactory(SchoolFactory)
    status = OrderStatus.CONFIRMED
    created_by = factory.SubFactory(UserFactory)


class OrderLineFactory(TenantFactory):
    _parents = ("order",)

    class Meta:
        model = OrderLine

    partnership = factory.SubFactory(PartnershipFactory)
    order = in_parent_partnership(OrderFactory)
    service = in_parent_partnership(ServiceFactory, catalogue=factory.SelfAttribute("..order.catalogue"))
    quantity = 1
    unit_price = factory.LazyAttribute(lambda o: o.service.member_price)
    price_basis = PriceBasis.MEMBER
    price_reason = "Your school is a member of the partnership."
    total = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)


class EntitlementFactory(TenantFactory):
    """Two days from a bought package, none used yet."""

    _parents = ("service",)

    class Meta:
        model = Entitlement

    partnership = factory.SubFactory(PartnershipFactory)
    service = in_parent_partnership(ServiceFactory)
    school = factory.SubFactory(SchoolFactory)
    academic_year = factory.LazyAttribute(lambda o: o.service.catalogue.academic_year)
    source = EntitlementSource.ORDER
    days = Decimal("2.0")


class ChargeLineFactory(TenantFactory):
    _parents = ("service",)

    class Meta:
        model = ChargeLine

    partnership = factory.SubFactory(PartnershipFactory)
    service = in_parent_partnership(ServiceFactory)
    school = factory.SubFactory(SchoolFactory)
    academic_year = "2026-27"
    financial_year = "2026-27"
    kind = ChargeKind.ORDER
    description = factory.LazyAttribute(lambda o: o.service.name)
    unit_price = Decimal("900.00")
    amount = Decimal("900.00")
    charge_date = date(2026, 9, 1)
    invoice_date = date(2026, 9, 1)
