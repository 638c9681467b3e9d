"""Which of a school's entitlements may pay for support, and how their balances read."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.days import days_phrase
from portal.tenancy.models import Partnership
from programmes.models import Entitlement, EntitlementSource, EntitlementStatus, ServiceKind
from programmes.money import academic_year_of

# The funding routes an entitlement pays for, and the source it must come from.
SOURCE_FOR_ROUTE = {"core": EntitlementSource.CORE, "package": EntitlementSource.ORDER}


def routes_needing_entitlement() -> tuple[str, ...]:
    return tuple(SOURCE_FOR_ROUTE)


def _years(on: date | None) -> list[str]:
    today = timezone.localdate()
    return sorted({academic_year_of(today), academic_year_of(on or today)})


def usable_entitlements(*, partnership: Partnership | int, school_id: str, on: date | None = None,
                        route: str | None = None) -> QuerySet[Entitlement]:
    """The school's active entitlements in this partnership for this academic year (and the year of `on`), with
    days left; only those a `route` ("core" or "package") pays from, when given."""
    found = Entitlement.objects.filter(partnership=partnership, school_id=school_id, academic_year__in=_years(on),
                                       status=EntitlementStatus.ACTIVE).select_related("service").order_by(
        "academic_year", "service__name", "pk")
    if route in SOURCE_FOR_ROUTE:
        found = found.filter(source=SOURCE_FOR_ROUTE[route])
    return found


def balance_label(entitlement: Entitlement) -> str:
    """"Link partner: 1 day left of 1 day" (days neither drawn nor held for other work)."""
    return (f"{entitlement.service.name} ({entitlement.academic_year}): {days_phrase(entitlement.free) or '0 days'} "
            f"left of {days_phrase(entitlement.days)}")


def entitlement_problem(entitlement: Entitlement | None, *, partnership_id: int, school_id: str, route: str,
                        on: date | None = None) -> str:
    """Why `entitlement` cannot pay for support to `school_id` by `route`, or "" when it can. Core and package
    funding need one; other routes take none."""
    if route not in SOURCE_FOR_ROUTE:
        return "" if entitlement is None else "Only core or package funding draws on an entitlement."
    if entitlement is None:
        return "Choose which of the school's entitlements pays for it"
    if entitlement.partnership_id != partnership_id or entitlement.school_id != school_id:
        return "That entitlement is not one of this school's. Choose one from the list"
    if entitlement.source != SOURCE_FOR_ROUTE[route]:
        kind = "core entitlement" if route == "core" else "bought package"
        return f"That entitlement is not a {kind}. Choose one that matches how it is paid for"
    if entitlement.status != EntitlementStatus.ACTIVE:
        return "That entitlement was cancelled. Choose another, or other funding"
    if entitlement.academic_year not in _years(on):
        return "That entitlement is for another academic year. Choose one for this year"
    if entitlement.free <= 0:
        return f"{entitlement.service.name} has no days left. Choose another entitlement, or other funding"
    return ""


def entitlement_is_for(entitlement_id: int) -> Q:
    """A filter on services: the one `entitlement_id` gives days of."""
    return Q(pk__in=Entitlement.objects.filter(pk=entitlement_id).values("service_id"))


def gives_link_partner(entitlement_id: int) -> bool:
    """The entitlement is link partner days (seed 003): one day, or two half days, a year."""
    return Entitlement.objects.filter(pk=entitlement_id, service__kind=ServiceKind.LINK_PARTNER).exists()
