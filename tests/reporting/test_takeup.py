"""Take-up and income of the catalogue's services by service, LA and cluster: the figures, LA officers seeing only
their LAs and no money, and a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from programmes.models import OrderStatus, ServiceKind
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
from tests.pages import parsed, table_rows

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def takeup(partnership, broker):
    with scopes_disabled():
        cambs, suffolk = LocalAuthorityFactory(code="873", name="Cambridgeshire"), LocalAuthorityFactory(
            code="935", name="Suffolk")
        a, b = SchoolFactory(name="Alpha Primary", la=cambs), SchoolFactory(name="Bravo Primary", la=suffolk)
        for school in (a, b):
            PartnershipSchoolFactory(partnership=partnership, school=school)
        ClusterFactory(partnership=partnership, la=cambs, name="North", schools=[a])
        catalogue = CatalogueFactory(partnership=partnership, created_by=broker.user)
        core = ServiceFactory(partnership=partnership, catalogue=catalogue, name="Core entitlement",
                              kind=ServiceKind.CORE, days=1, position=1)
        package = ServiceFactory(partnership=partnership, catalogue=catalogue, name="Two-day package", position=2)
        ServiceFactory(partnership=partnership, catalogue=catalogue, name="Nobody bought this", position=3)
        for school in (a, b):
            EntitlementFactory(partnership=partnership, service=core, school=school, days=1, source="core")
        for school, amount in ((a, "900.00"), (b, "1200.00")):
            line = OrderLineFactory(partnership=partnership, order__catalogue=catalogue, order__school=school,
                                    service=package)
            EntitlementFactory(partnership=partnership, service=package, school=school, order_line=line,
                               used=Decimal("0.5"))
            ChargeLineFactory(partnership=partnership, service=package, school=school, amount=Decimal(amount))
        ChargeLineFactory(partnership=partnership, service=package, school=a, kind="credit", amount=Decimal("-100"))
        # A draft order counts for nothing.
        OrderLineFactory(partnership=partnership, order__catalogue=catalogue, order__status=OrderStatus.DRAFT,
                         order__school=SchoolFactory(la=cambs), service=package)
    return {"catalogue": catalogue, "a": a, "b": b, "package": package}


URL = "/p/cambridgeshire/dashboards/take-up/?year=2026-27"


def test_the_steering_group_sees_take_up_and_income_by_service_la_and_cluster(client, broker, takeup):
    client.force_login(broker.user)
    page = parsed(client.get(URL))
    assert table_rows(page, "Take-up by service") == [
        ["Core entitlement", "0", "2", "2", "0", "£0.00"],
        ["Two-day package", "2", "2", "4", "1", "£2,000.00"],
        ["Nobody bought this", "0", "0", "0", "0", "£0.00"],
    ]
    assert table_rows(page, "Take-up by local authority") == [
        ["Cambridgeshire", "1", "1", "3", "0.5", "£800.00"],
        ["Suffolk", "1", "1", "3", "0.5", "£1,200.00"],
    ]
    assert table_rows(page, "Take-up by cluster") == [
        ["North", "1", "1", "3", "0.5", "£800.00"],
        ["Not in a cluster this year", "1", "1", "3", "0.5", "£1,200.00"],
    ]


def test_an_la_officer_sees_take_up_for_their_las_only_and_no_money(client, la_officer, takeup):
    client.force_login(la_officer.user)
    response = client.get(URL)
    page = parsed(response)
    assert table_rows(page, "Take-up by service") == [
        ["Core entitlement", "0", "1", "1", "0"], ["Two-day package", "1", "1", "2", "0.5"],
        ["Nobody bought this", "0", "0", "0", "0"]]
    assert table_rows(page, "Take-up by local authority") == [["Cambridgeshire", "1", "1", "3", "0.5"]]
    assert "Income" not in page.main.get_text() and "£" not in page.main.get_text()


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        parsed(client.get(url))
    return len(queries)


def test_take_up_queries_do_not_grow_with_the_data(client, partnership, broker, la_officer, takeup):
    urls = [URL, URL + "&la=873", URL + "&phase=primary"]
    counts = {}
    for member in (broker, la_officer):
        client.force_login(member.user)
        counts[member.role] = [_count(client, url) for url in urls]
    with scopes_disabled():
        for _ in range(10):
            school = SchoolFactory(la=takeup["a"].la)
            PartnershipSchoolFactory(partnership=partnership, school=school)
            line = OrderLineFactory(partnership=partnership, order__catalogue=takeup["catalogue"],
                                    order__school=school, service=takeup["package"])
            EntitlementFactory(partnership=partnership, service=takeup["package"], school=school, order_line=line)
            ChargeLineFactory(partnership=partnership, service=takeup["package"], school=school)
    for member in (broker, la_officer):
        client.force_login(member.user)
        assert [_count(client, url) for url in urls] == counts[member.role]
    assert table_rows(parsed(client.get(URL)), "Take-up by service")[1][:2] == ["Two-day package", "11"]
    # Session, membership and scope, the filter form's choices (calendar, LAs, clusters, specialisms) with the
    # catalogues (one statement on PostgreSQL), the services with services ordered, days held, income and the
    # clusters (one statement on PostgreSQL; the services, three, income's schools' LAs and the clusters
    # elsewhere), the unread count.
    assert max(counts["broker"]) <= (8 if connection.vendor == "postgresql" else 17)  # PostgreSQL: 11 before round 6


def test_a_past_years_catalogue_can_be_chosen(client, partnership, broker, takeup):
    with scopes_disabled():
        old = CatalogueFactory(partnership=partnership, created_by=broker.user, academic_year="2018-19")
        ServiceFactory(partnership=partnership, catalogue=old, name="Link partner")
    client.force_login(broker.user)
    page = parsed(client.get("/p/cambridgeshire/dashboards/take-up/?year=2018-19"))
    assert not page.select(".govuk-error-summary")
    assert table_rows(page, "Take-up by service") == [["Link partner", "0", "0", "0", "0", "£0.00"]]
