"""Writing charge lines: the one place a school's statement gains a line.

Every line is dated, falls in the financial year of its date, and is billed on the first invoice date of the
catalogue's schedule on or after it. An annual order line becomes two lines (7/12 and 5/12); a credit mirrors
each line it cancels, so a statement, an export and the sum of the lines always agree.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from alliances.models import School
from programmes.models import (
    Catalogue,
    ChargeKind,
    ChargeLine,
    InvoiceSchedule,
    OrderLine,
    Service,
    ServiceKind,
    ServiceStatus,
)
from programmes.money import (
    academic_year_bounds,
    academic_year_of,
    financial_year_of,
    invoice_date,
    pence,
    split_annual,
)


def _line(*, catalogue: Catalogue | None, school: School, academic_year: str, kind: str, description: str,
          quantity: Decimal, unit_price: Decimal, amount: Decimal, on: date, actor=None, partnership=None,
          **extra) -> ChargeLine:
    schedule = catalogue.invoice_schedule if catalogue else InvoiceSchedule.TWICE_YEARLY
    return ChargeLine(
        partnership=partnership or catalogue.partnership, school=school, academic_year=academic_year,
        financial_year=financial_year_of(on), kind=kind, description=description[:300], quantity=quantity,
        unit_price=unit_price, amount=pence(amount), charge_date=on, invoice_date=invoice_date(schedule, on),
        created_by=getattr(actor, "user", actor), **extra)


def charge_order_line(line: OrderLine, *, on: date, actor=None) -> list[ChargeLine]:
    """The charges for a confirmed order line: none for pay as you go (each confirmed visit is charged), two for
    an annual service (split across the financial years), otherwise one dated `on` (the day it was confirmed),
    kept inside the catalogue's academic year."""
    service: Service = line.service
    catalogue = service.catalogue
    if service.is_payg or line.total == 0:
        return []
    year = catalogue.academic_year
    common = {"catalogue": catalogue, "school": line.order.school, "academic_year": year, "service": service,
              "order_line": line, "actor": actor,
              "kind": ChargeKind.PLACE if service.kind == "programme_place" else ChargeKind.ORDER}
    if service.annual:
        lines = [_line(description=f"{service.name} ({share.months}/12 of the year's charge)",
                       quantity=Decimal(line.quantity), unit_price=line.unit_price, amount=share.amount,
                       on=share.charge_date, **common) for share in split_annual(line.total, year)]
    else:
        first, last = academic_year_bounds(year)
        lines = [_line(description=service.name, quantity=Decimal(line.quantity), unit_price=line.unit_price,
                       amount=line.total, on=min(max(on, first), last), **common)]
    return ChargeLine.objects.bulk_create(lines)


def credit_order_line(line: OrderLine, *, on: date, actor=None) -> list[ChargeLine]:
    """Credits that cancel every charge of `line`, each dated `on` or the charge's own date if later, so no
    financial year is left with a charge and no credit for it. Crediting twice writes nothing more."""
    charges = list(ChargeLine.objects.filter(order_line=line).exclude(kind=ChargeKind.CREDIT).order_by("pk"))
    credited = {c.cause_id for c in ChargeLine.objects.filter(order_line=line, kind=ChargeKind.CREDIT,
                                                              cause_type="charge")}
    catalogue = line.service.catalogue
    credits = [
        _line(catalogue=catalogue, school=charge.school, academic_year=charge.academic_year, kind=ChargeKind.CREDIT,
              description=f"Credit: {charge.description}", quantity=charge.quantity, unit_price=charge.unit_price,
              amount=-charge.amount, on=max(on, charge.charge_date), actor=actor, service=charge.service_id and
              charge.service, order_line=line, cause_type="charge", cause_id=charge.pk)
        for charge in charges if charge.pk not in credited
    ]
    return ChargeLine.objects.bulk_create(credits)


def _payg_service(catalogue: Catalogue | None) -> Service | None:
    if catalogue is None:
        return None
    return (Service.objects.filter(catalogue=catalogue, kind=ServiceKind.PAYG_DAY, status=ServiceStatus.PUBLISHED)
            .order_by("position", "pk").first())


def charge_payg(*, partnership, school: School, service: Service | None, description: str, days: Decimal,
                day_rate: Decimal, on: date, cause_type: str, cause_id: int, actor=None) -> ChargeLine | None:
    """A pay-as-you-go charge for `days` delivered on `on` at the frozen `day_rate`, once per cause (a confirmed
    visit): a second call for the same cause returns None and writes nothing."""
    year = academic_year_of(on)
    catalogue = Catalogue.objects.filter(partnership=partnership, academic_year=year).first()
    if service is None or not service.is_payg:
        # The year's pay-as-you-go service, where the catalogue has one: take-up and income count the charge there,
        # not under the entitlement whose balance ran out (a core entitlement is free).
        service = _payg_service(catalogue) or service
    line = _line(catalogue=catalogue, partnership=partnership, school=school, academic_year=year,
                 kind=ChargeKind.PAYG, description=description, quantity=days, unit_price=day_rate,
                 amount=days * day_rate, on=on, actor=actor, service=service, cause_type=cause_type,
                 cause_id=cause_id)
    try:
        with transaction.atomic():  # a savepoint: the unique key refuses a second charge for the same cause
            line.save()
    except IntegrityError:
        return None
    return line
