"""The charge for an accepted place, and the credit that refunds it: each written once per place (the charge line's
unique cause key), priced as the catalogue prices the cohort's programme-place service for the school."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from alliances.selectors import is_member_school
from portal.errors import DomainError
from programmes.finance.charges import _line
from programmes.models import ChargeKind, ChargeLine, Cohort, Place
from programmes.money import academic_year_bounds
from programmes.pricing import NotForSale, price_for


def _save_once(line: ChargeLine) -> ChargeLine | None:
    try:
        with transaction.atomic():  # a savepoint: the unique cause key refuses a second line for the same place
            line.save()
    except IntegrityError:
        return None
    return line


def charge_place(place: Place, cohort: Cohort, *, on: date, actor=None) -> ChargeLine | None:
    """The school's charge for `place` (kind PLACE, cause "place"): None when the cohort has no catalogue service
    (nothing to charge) or the place was charged already."""
    service = cohort.service
    if service is None:
        return None
    is_member = is_member_school(partnership=place.partnership, urn=place.school_id)
    try:
        price = price_for(service, place.school, is_member=is_member)
    except NotForSale as reason:
        raise DomainError(f"{place.school.name} cannot be charged for {service.name}: {reason}") from None
    catalogue = service.catalogue
    first, last = academic_year_bounds(catalogue.academic_year)
    line = _line(catalogue=catalogue, school=place.school, academic_year=catalogue.academic_year,
                 kind=ChargeKind.PLACE, description=f"{service.name}: place for {place.name} on {cohort.name}",
                 quantity=Decimal(1), unit_price=price.amount, amount=price.amount, on=min(max(on, first), last),
                 actor=actor, service=service, cause_type="place", cause_id=place.pk)
    return _save_once(line)


def refund_place(place: Place, *, on: date, actor=None) -> ChargeLine | None:
    """A credit for the place's charge (kind CREDIT, cause "place_refund"), once; None when it was never charged."""
    charge = ChargeLine.objects.filter(kind=ChargeKind.PLACE, cause_type="place", cause_id=place.pk).select_related(
        "service__catalogue", "school").first()
    if charge is None:
        return None
    catalogue = charge.service.catalogue if charge.service_id else None
    line = _line(catalogue=catalogue, partnership=place.partnership, school=charge.school,
                 academic_year=charge.academic_year, kind=ChargeKind.CREDIT, description=f"Refund: {charge.description}",
                 quantity=charge.quantity, unit_price=charge.unit_price, amount=-charge.amount,
                 on=max(on, charge.charge_date), actor=actor, service=charge.service, cause_type="place_refund",
                 cause_id=place.pk)
    return _save_once(line)
