"""Catalogue, order and charge rows at benchmark scale, written with bulk_create (used by `manage.py seed_scale`).

One partnership gets a published 2026-27 catalogue of about 30 services, `orders` orders from its schools (nine in
ten confirmed, the rest waiting) and `charge_lines` charge lines spread over the confirmed ones, all in the
2026-27 financial year, so its finance export is the largest one partnership would have.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from alliances.models import PartnershipSchool
from portal.accounts.models import User
from programmes.models import (
    Catalogue,
    CatalogueStatus,
    ChargeKind,
    ChargeLine,
    Order,
    OrderLine,
    OrderStatus,
    PriceBasis,
    Service,
    ServiceKind,
    ServiceStatus,
)
from programmes.money import financial_year_of, invoice_date

KINDS = [ServiceKind.PACKAGE] * 3 + [ServiceKind.OTHER, ServiceKind.PAYG_DAY, ServiceKind.LINK_PARTNER]


def _services(partnership, catalogue, count: int, user: User) -> list[Service]:
    rows = [Service(partnership=partnership, catalogue=catalogue, status=ServiceStatus.PUBLISHED, position=n,
                    name=f"Service {n + 1:02d}", kind=KINDS[n % len(KINDS)], days=Decimal(1 + n % 3),
                    member_price=Decimal(300 + 50 * n), non_member_price=Decimal(400 + 60 * n), for_non_members=True,
                    terms="Illustrative terms for the benchmark.", created_by=user,
                    limit=None if n % 10 else 100_000, starts_on=date(2026, 9, 1)) for n in range(count)]
    return Service.objects.bulk_create(rows)


def seed_programmes(partnership, *, user: User, services: int = 30, orders: int = 20_000,
                    charge_lines: int = 100_000, rng: random.Random | None = None) -> tuple[int, int]:
    """Returns (orders, charge lines) written; nothing when the partnership already has a 2026-27 catalogue."""
    if Catalogue.objects.filter(partnership=partnership, academic_year="2026-27").exists():
        return 0, 0
    rng = rng or random.Random(2026)
    now = timezone.now()
    catalogue = Catalogue.objects.create(partnership=partnership, academic_year="2026-27", created_by=user,
                                         title="Services to schools 2026-27", status=CatalogueStatus.PUBLISHED,
                                         published_by=user, published_at=now)
    sold = _services(partnership, catalogue, services, user)
    schools = list(PartnershipSchool.objects.filter(partnership=partnership).values_list("school_id", flat=True))
    created = Order.objects.bulk_create([
        Order(partnership=partnership, school_id=schools[n % len(schools)], catalogue=catalogue, created_by=user,
              status=OrderStatus.SUBMITTED if n % 10 == 9 else OrderStatus.CONFIRMED, submitted_by=user,
              submitted_at=now - timedelta(minutes=orders - n), purchase_order=f"PO{n:06d}")
        for n in range(orders)], batch_size=5000)
    lines = OrderLine.objects.bulk_create([
        OrderLine(partnership=partnership, order=order, service=sold[n % len(sold)], quantity=1,
                  unit_price=sold[n % len(sold)].member_price, price_basis=PriceBasis.MEMBER,
                  price_reason="Your school is a member of the partnership.", total=sold[n % len(sold)].member_price,
                  terms_accepted_at=now)
        for n, order in enumerate(created)], batch_size=5000)
    confirmed = [line for line, order in zip(lines, created, strict=True) if order.status == OrderStatus.CONFIRMED]
    first = date(2026, 4, 1)
    rows = []
    for n in range(charge_lines):
        line = confirmed[n % len(confirmed)]
        day = first + timedelta(days=rng.randrange(365))
        amount = (line.total / 5).quantize(Decimal("0.01"))
        rows.append(ChargeLine(
            partnership=partnership, school_id=line.order.school_id, academic_year="2026-27",
            financial_year=financial_year_of(day), kind=ChargeKind.ORDER, service=line.service, order_line=line,
            description=f"{line.service.name} (part {n // len(confirmed) + 1})", quantity=Decimal(1),
            unit_price=amount, amount=amount, charge_date=day, invoice_date=invoice_date(catalogue.invoice_schedule, day),
            created_by=user))
    ChargeLine.objects.bulk_create(rows, batch_size=5000)
    return len(created), len(rows)
