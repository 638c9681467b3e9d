"""Granting and cancelling entitlements: the days a school holds for a year.

Core entitlements are granted to every member school when a catalogue is published (and to a school that joins
later), once each, without anyone ordering them. A confirmed order line for a service that gives days grants
them. Drawing days down, giving them back and releasing them are the drawdown's (programmes.funding.drawdown).
"""

from __future__ import annotations

from decimal import Decimal

from alliances.models import PartnershipSchool
from portal.errors import Conflict
from portal.workflow import move
from programmes.models import (
    Catalogue,
    CatalogueStatus,
    Entitlement,
    EntitlementSource,
    EntitlementStatus,
    OrderLine,
    ServiceKind,
    ServiceStatus,
)
from programmes.models.catalogue import DAY_KINDS, Service

ENTITLEMENT_MOVES = {EntitlementStatus.ACTIVE: (EntitlementStatus.CANCELLED,)}


def _core_services(catalogue: Catalogue) -> list[Service]:
    return list(Service.objects.filter(catalogue=catalogue, kind=ServiceKind.CORE, status=ServiceStatus.PUBLISHED))


def grant_core_entitlements(catalogue: Catalogue, *, school_ids: list[str] | None = None) -> int:
    """Give every member school (or only `school_ids`, when a school joins) each published core service of a
    published catalogue. Safe to repeat and to run twice at once: the unique key grants each one once. Returns
    how many were granted now."""
    if catalogue.status != CatalogueStatus.PUBLISHED:
        return 0
    services = _core_services(catalogue)
    members = PartnershipSchool.objects.filter(partnership=catalogue.partnership, is_member=True)
    if school_ids is not None:
        members = members.filter(school_id__in=school_ids)
    urns = list(members.values_list("school_id", flat=True))
    before = Entitlement.objects.filter(partnership=catalogue.partnership, academic_year=catalogue.academic_year,
                                        source=EntitlementSource.CORE, school_id__in=urns).count()
    Entitlement.objects.bulk_create(
        [Entitlement(partnership=catalogue.partnership, school_id=urn, academic_year=catalogue.academic_year,
                     service=service, source=EntitlementSource.CORE, days=service.days)
         for service in services for urn in urns],
        ignore_conflicts=True, batch_size=1000)
    after = Entitlement.objects.filter(partnership=catalogue.partnership, academic_year=catalogue.academic_year,
                                       source=EntitlementSource.CORE, school_id__in=urns).count()
    return after - before


def grant_for_order_line(line: OrderLine) -> Entitlement | None:
    """The days a confirmed order line gives (a package, link partner days): the service's days times the
    quantity. None for a service that gives no days (pay as you go is charged per visit)."""
    service = line.service
    if service.kind not in DAY_KINDS or service.days <= 0:
        return None
    entitlement, _ = Entitlement.objects.get_or_create(
        order_line=line,
        defaults={"partnership": line.partnership, "school_id": line.order.school_id,
                  "academic_year": service.catalogue.academic_year, "service": service,
                  "source": EntitlementSource.ORDER, "days": service.days * Decimal(line.quantity)})
    return entitlement


def cancel_for_order_line(line: OrderLine, *, actor) -> None:
    """Cancel the days an order line gave, under a lock on the balance. Refused once any have been drawn (the
    support was delivered) or while any are held for agreed support."""
    entitlement = Entitlement.objects.select_for_update().filter(order_line=line).first()
    if entitlement is None or entitlement.status == EntitlementStatus.CANCELLED:
        return
    if entitlement.used > 0:
        raise Conflict("Some of these days have already been used by confirmed visits, so this cannot be cancelled.")
    if entitlement.held > 0:
        raise Conflict("Some of these days are promised to agreed support, so this cannot be cancelled until it "
                       "closes or its funding changes.")
    move(entitlement, EntitlementStatus.CANCELLED, allowed=ENTITLEMENT_MOVES, actor=actor,
         note=f"Order line {line.pk} cancelled")
