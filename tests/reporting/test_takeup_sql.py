"""The take-up page's one statement (`takeup_sql.tallies`, PostgreSQL) adds up what the querysets
(`takeup.tallies_by_orm`, the reference) read, for every filter: each year, every school or one, an LA, a phase,
a cluster, an LA officer's LAs (some, none), with and without income. The data has what the sums must get right:
two versions of one service (a school that ordered both counts once), a school in two clusters and one in none,
a cancelled entitlement, a draft order, credits, charges for no service, a school with only income."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from programmes.models import EntitlementStatus, OrderStatus, ServiceStatus
from reporting import takeup_sql
from reporting.filters import Scope
from reporting.takeup import OTHER, _services, partnership_catalogues, services_named, tallies_by_orm
from tests.factories import (
    CatalogueFactory,
    ChargeLineFactory,
    ClusterFactory,
    EntitlementFactory,
    LocalAuthorityFactory,
    OrderLineFactory,
    PartnershipSchoolFactory,
    SchoolFactory,
    ServiceFactory,
)

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def figures(partnership, broker):
    with scopes_disabled():
        cambs = LocalAuthorityFactory(code="873", name="Cambridgeshire")
        suffolk = LocalAuthorityFactory(code="935", name="Suffolk")
        a = SchoolFactory(name="Alpha Primary", la=cambs, phase="primary")
        b = SchoolFactory(name="Bravo High", la=suffolk, phase="secondary")
        c = SchoolFactory(name="Charlie Primary", la=cambs, phase="primary")
        d = SchoolFactory(name="Delta Primary", la=suffolk, phase="primary")
        for school in (a, b, c, d):
            PartnershipSchoolFactory(partnership=partnership, school=school)
        north = ClusterFactory(partnership=partnership, la=cambs, name="North", schools=[a, c])
        ClusterFactory(partnership=partnership, la=cambs, name="Fens", schools=[a])
        ClusterFactory(partnership=partnership, la=suffolk, name="Old", schools=[b], academic_year="2025-26")
        catalogue = CatalogueFactory(partnership=partnership, created_by=broker.user)
        CatalogueFactory(partnership=partnership, created_by=broker.user, academic_year="2025-26")
        old = ServiceFactory(partnership=partnership, catalogue=catalogue, name="Package", position=2,
                             status=ServiceStatus.RETIRED)
        package = ServiceFactory(partnership=partnership, catalogue=catalogue, name="Package (new)", position=2,
                                 lineage=old.lineage, version=2)
        core = ServiceFactory(partnership=partnership, catalogue=catalogue, name="Core", position=1, days=1)
        ServiceFactory(partnership=partnership, catalogue=catalogue, name="Nobody", position=3)
        for school, service in ((a, old), (a, package), (b, package), (c, old)):
            line = OrderLineFactory(partnership=partnership, order__catalogue=catalogue, order__school=school,
                                    service=service)
            EntitlementFactory(partnership=partnership, service=service, school=school, order_line=line,
                               used=Decimal("0.5"))
        OrderLineFactory(partnership=partnership, order__catalogue=catalogue, order__school=d,
                         order__status=OrderStatus.DRAFT, service=package)
        for school in (a, b, c):
            EntitlementFactory(partnership=partnership, service=core, school=school, days=1, source="core")
        EntitlementFactory(partnership=partnership, service=core, school=d, days=1, source="core",
                           status=EntitlementStatus.CANCELLED)
        for school, amount in ((a, "900.00"), (b, "1200.50"), (c, "450.25")):
            ChargeLineFactory(partnership=partnership, service=package, school=school, amount=Decimal(amount))
        ChargeLineFactory(partnership=partnership, service=package, school=a, kind="credit", amount=Decimal("-100"))
        ChargeLineFactory(partnership=partnership, service=None, school=d, description="Late fee",
                          amount=Decimal("35.00"))
        ChargeLineFactory(partnership=partnership, service=None, school=b, description="Room hire",
                          amount=Decimal("20.00"), financial_year="2027-28")
    return {"schools": [a, b, c, d], "north": north, "las": {"873": "Cambridgeshire", "935": "Suffolk"}}


def _scope(partnership, las, year="2026-27", limited_las=None, **filters) -> Scope:
    return Scope(partnership=partnership, year=year, term="", terms=[], start=date(2025, 9, 1),
                 end=date(2027, 8, 31), limited_las=limited_las, las=las, **filters)


def _normal(found) -> tuple:
    by_service, schools = found
    return by_service, sorted((urn, la, sorted(clusters), *rest) for urn, la, clusters, *rest in schools)


def test_the_statement_adds_up_what_the_querysets_read(partnership, figures):
    assert connection.vendor == "postgresql"  # the statement is what is tested; CI runs PostgreSQL
    a, b, c, d = figures["schools"]
    las = figures["las"]
    scopes = [_scope(partnership, las), _scope(partnership, las, year="2025-26"), _scope(partnership, las, la="873"),
              _scope(partnership, las, phase="primary"), _scope(partnership, las, cluster=figures["north"]),
              _scope(partnership, las, school=b), _scope(partnership, las, limited_las=["935"]),
              _scope(partnership, las, limited_las=[]), _scope(partnership, las, limited_las=["873"], phase="primary")]
    catalogues = partnership_catalogues(partnership)
    for scope in scopes:
        services = _services(scope, catalogues)
        for show_money in (True, False):
            orm = _normal(tallies_by_orm(scope, services, show_money))
            rows, *found = takeup_sql.tallies(scope, services.catalogues, show_money, OTHER)
            assert _normal(found) == orm
            named = services_named(scope, catalogues, rows)
            assert named == services and list(named.names.items()) == list(services.names.items())
    services = _services(scopes[0], catalogues)
    _, by_service, schools = takeup_sql.tallies(scopes[0], services.catalogues, True, OTHER)
    package = str(next(lineage for lineage, (_, name) in services.names.items() if name == "Package (new)"))
    assert by_service[package][:2] == [3, 3]  # a ordered both versions: counted once
    assert by_service[OTHER][4] == Decimal("55.00")
    assert {urn: clusters for urn, _, clusters, *_ in schools}[a.urn] in (["North", "Fens"], ["Fens", "North"])
