"""Reads for the catalogue pages: which catalogues a member sees, their services, and each school's price."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from alliances.models import PartnershipSchool, Phase, School
from portal.accounts.models import User
from portal.formats import date_text
from portal.tenancy.models import Membership, Partnership
from portal.tenancy.selectors import heads_of_schools
from programmes.models import Catalogue, CatalogueStatus, Service, ServiceStatus
from programmes.pricing import NotForSale, Price, price_for

LIVE = (ServiceStatus.DRAFT, ServiceStatus.PUBLISHED)


def catalogues_for(*, membership: Membership) -> QuerySet[Catalogue]:
    """The partnership's catalogues, newest year first. Only those who manage the catalogue see drafts."""
    catalogues = Catalogue.objects.filter(partnership=membership.partnership)
    if not membership.can("catalogue.manage"):
        catalogues = catalogues.filter(status=CatalogueStatus.PUBLISHED)
    return catalogues.order_by("-academic_year")


def services_of(*, catalogue: Catalogue, live_only: bool = True) -> QuerySet[Service]:
    """A catalogue's services in the order the page lists them: by default the current version of each."""
    services = Service.objects.filter(partnership_id=catalogue.partnership_id, catalogue=catalogue)
    if live_only:
        services = services.filter(status__in=LIVE)
    return services.order_by("position", "name", "pk")


def ended_services(*, catalogue: Catalogue) -> QuerySet[Service]:
    """Versions that were replaced or withdrawn: order lines may still point at them."""
    return services_of(catalogue=catalogue, live_only=False).exclude(status__in=LIVE).order_by(
        "name", "-version")


def managed_services_for(*, membership: Membership) -> QuerySet[Service]:
    return Service.objects.filter(partnership=membership.partnership).select_related("catalogue")


def heads_of_member_schools(*, partnership: Partnership) -> list[User]:
    """The active headteachers of the partnership's member schools, once each (in one query)."""
    members = PartnershipSchool.objects.filter(partnership=partnership, is_member=True).values("school_id")
    return heads_of_schools(partnership, members)


@dataclass
class SchoolPrice:
    """One service as one school sees it: the price that applies and why, or why it may not buy it."""

    school: School
    price: Price | None
    problem: str


@dataclass
class ServiceForSchools:
    service: Service
    prices: list[SchoolPrice] = field(default_factory=list)
    not_on_sale: str = ""  # why no school can order it today (its window, its places)

    @property
    def buyers(self) -> str:
        return who_may_buy(self.service)


def who_may_buy(service: Service) -> str:
    """"Member schools; primary and special phases; academies only", in words."""
    who = {(True, True): "Member schools and schools outside the partnership", (True, False): "Member schools only",
           (False, True): "Schools outside the partnership only"}.get((service.for_members, service.for_non_members),
                                                                    "Nobody")
    parts = [who]
    if service.phases:
        # GIAS gives special schools no phase ("Not applicable").
        labels = {**dict(Phase.choices), Phase.NOT_APPLICABLE: "special and others without a phase"}
        parts.append("phases: " + ", ".join(str(labels.get(p, p)).lower() for p in service.phases))
    if service.school_type_groups:
        parts.append("types: " + ", ".join(g.lower() for g in service.school_type_groups))
    return "; ".join(parts)


def head_schools(*, membership: Membership) -> list[tuple[School, bool]]:
    """The schools a headteacher leads, each with whether it is a member of the partnership (two queries)."""
    schools = list(membership.schools.order_by("name"))
    members = set(PartnershipSchool.objects.filter(
        partnership=membership.partnership, is_member=True, school__in=[s.pk for s in schools],
    ).values_list("school_id", flat=True))
    return [(school, school.pk in members) for school in schools]


def not_on_sale(service: Service, today: date) -> str:
    """Why nobody can order `service` today, or "" when it is on sale."""
    if service.status != ServiceStatus.PUBLISHED:
        return "The catalogue is not published yet."
    if service.order_opens and today < service.order_opens:
        return f"Orders open on {date_text(service.order_opens)}."
    if service.order_closes and today > service.order_closes:
        return f"Orders closed on {date_text(service.order_closes)}."
    if service.limit is not None and service.sold >= service.limit:
        return f"All {service.limit} places are taken."
    return ""


def prices_for_schools(services: list[Service], schools: list[tuple[School, bool]], *,
                       today: date) -> list[ServiceForSchools]:
    """Each service with the price each school would pay, and why (no queries: `price_for` is pure)."""
    rows = []
    for service in services:
        row = ServiceForSchools(service, not_on_sale=not_on_sale(service, today))
        for school, is_member in schools:
            try:
                row.prices.append(SchoolPrice(school, price_for(service, school, is_member=is_member), ""))
            except NotForSale as refusal:
                row.prices.append(SchoolPrice(school, None, str(refusal)))
        rows.append(row)
    return rows
