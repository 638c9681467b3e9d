"""The catalogue pages for each role: the broker's forms (with their errors), publishing through the confirmation
page, heads seeing the price for each of their schools and why, and fixed query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from alliances.models import Phase
from programmes.models import Catalogue, CatalogueStatus, Entitlement, Service, ServiceKind, ServiceStatus
from tests.factories import CatalogueFactory, PartnershipSchoolFactory, SchoolFactory, ServiceFactory
from tests.pages import done, parsed, text

pytestmark = [pytest.mark.django_db]

SERVICE_POST = {"name": "Two-day package", "kind": "package", "description": "Two days of support", "terms": "",
                "buyers": ["members", "non_members"], "days": "2", "half_days_allowed": "on", "member_price": "900",
                "non_member_price": "1200", "academy_price": "", "order_opens": "1/6/2026", "order_closes": "30/9/2026",
                "starts_on": "1/9/2026", "limit": ""}


def _url(partnership, *parts):
    return f"/p/{partnership.slug}/" + "".join(f"{p}/" for p in parts)


def _errors(soup) -> list[str]:
    return [a.get_text(" ", strip=True) for a in soup.select(".govuk-error-summary__list a")]


def test_a_broker_creates_a_catalogue_adds_a_service_and_publishes_it(client, partnership, broker, headteacher):
    with scopes_disabled():
        PartnershipSchoolFactory(partnership=partnership, school=headteacher.schools.get(), is_member=True)
    client.force_login(broker.user)
    page = parsed(client.post(_url(partnership, "catalogues", "new"), {
        "academic_year": "2026-27", "title": "Services 2026-27", "cancellation_rule": "notice",
        "cancellation_notice_days": "", "invoice_schedule": "termly"}))
    assert _errors(page) == ["Enter how many days' notice a school must give"]
    response = client.post(_url(partnership, "catalogues", "new"), {
        "academic_year": "2026-27", "title": "Services 2026-27", "cancellation_rule": "notice",
        "cancellation_notice_days": "30", "invoice_schedule": "termly"}, follow=True)
    with scopes_disabled():
        catalogue = Catalogue.objects.get(partnership=partnership)
    done(response, _url(partnership, "catalogues", catalogue.pk), "created as a draft")

    add = _url(partnership, "catalogues", catalogue.pk, "services/new")
    page = parsed(client.post(add, {**SERVICE_POST, "non_member_price": "", "order_closes": "1/5/2026"}))
    assert _errors(page) == ["Enter the non-member price, because schools outside the partnership may buy it",
                             "The order window must close on or after the day it opens"]
    page = parsed(client.post(add, {**SERVICE_POST, "kind": "core", "days": "0"}))
    assert _errors(page) == ["A core entitlement is for member schools only: untick other schools",
                             "Enter the days a core entitlement includes"]
    client.post(add, {**SERVICE_POST, "name": "Core entitlement", "kind": "core", "buyers": ["members"],
                      "member_price": "0", "non_member_price": "", "days": "1"})
    response = client.post(add, SERVICE_POST, follow=True)
    with scopes_disabled():
        package = Service.objects.get(catalogue=catalogue, name="Two-day package")
    assert response.redirect_chain[0][0] == _url(partnership, "catalogues", catalogue.pk) + f"#service-{package.pk}"

    publish = _url(partnership, "catalogues", catalogue.pk, "publish")
    page = parsed(client.get(publish))
    assert "The headteachers of every member school" in page.select_one("#who-is-told").get_text()
    done(client.post(publish, follow=True), _url(partnership, "catalogues", catalogue.pk), "The catalogue is published")
    with scopes_disabled():
        assert Catalogue.objects.get(pk=catalogue.pk).status == CatalogueStatus.PUBLISHED
        assert Entitlement.objects.filter(school=headteacher.schools.get()).count() == 1


def test_changing_a_published_service_on_its_page_makes_version_two(client, partnership, broker):
    with scopes_disabled():
        service = ServiceFactory(partnership=partnership, catalogue__created_by=broker.user, created_by=broker.user)
    client.force_login(broker.user)
    edit = _url(partnership, "services", service.pk, "edit")
    assert "saving makes version 2" in text(client.get(edit))
    response = client.post(edit, {**SERVICE_POST, "member_price": "950"}, follow=True)
    with scopes_disabled():
        new = Service.objects.get(lineage=service.lineage, version=2)
        assert Service.objects.get(pk=service.pk).status == ServiceStatus.RETIRED
    done(response, _url(partnership, "catalogues", service.catalogue_id) + f"#service-{new.pk}", "version 2")


@pytest.fixture
def catalogue(partnership, broker):
    with scopes_disabled():
        published = CatalogueFactory(partnership=partnership, created_by=broker.user, title="Services 2026-27")
        ServiceFactory(partnership=partnership, catalogue=published, name="Two-day package", position=1)
        ServiceFactory(partnership=partnership, catalogue=published, name="Secondary package", position=2,
                       phases=[Phase.SECONDARY])
        CatalogueFactory(partnership=partnership, created_by=broker.user, academic_year="2027-28",
                         status=CatalogueStatus.DRAFT, title="Draft 2027-28")
    return published


def _prices(page) -> list[tuple[str, str, str]]:
    return [(card.select_one("h3").get_text(" ", strip=True), row.dt.get_text(" ", strip=True),
             row.dd.get_text(" ", strip=True))
            for card in page.select(".govuk-summary-card") for row in card.select(".your-price")]


def test_a_head_of_two_schools_sees_each_schools_price_and_why_it_cannot_buy(client, partnership, headteacher,
                                                                           catalogue):
    with scopes_disabled():
        mine = headteacher.schools.get()
        PartnershipSchoolFactory(partnership=partnership, school=mine, is_member=True)
        other = SchoolFactory(name="Zebra Primary School")
        headteacher.schools.add(other)
    client.force_login(headteacher.user)
    page = parsed(client.get(_url(partnership, "catalogues", catalogue.pk)))
    assert _prices(page) == [
        ("Two-day package", mine.name, "£900.00 (member price). Your school is a member of the partnership."),
        ("Two-day package", "Zebra Primary School", "£1,200.00 (non-member price (includes the surcharge for schools "
         "outside the partnership)). Your school is not a member of the partnership, so the non-member price "
         "applies, £300.00 more than members pay."),
        ("Secondary package", mine.name, "Cannot be bought. This service is not sold to schools of your school's "
         "phase."),
        ("Secondary package", "Zebra Primary School", "Cannot be bought. This service is not sold to schools of "
         "your school's phase."),
    ]
    listing = parsed(client.get(_url(partnership, "catalogues")))
    assert [a.get_text() for a in listing.select("td a")] == ["Services 2026-27"]  # the draft is the steering group's


@pytest.mark.parametrize("role", ["approver", "la_officer"])
def test_others_who_may_read_the_catalogue_see_published_ones_only_without_actions(client, request, partnership,
                                                                                   catalogue, role):
    member = request.getfixturevalue(role)
    client.force_login(member.user)
    page = parsed(client.get(_url(partnership, "catalogues", catalogue.pk)))
    assert not page.select(".govuk-summary-card__actions") and not page.select(".your-price")
    with scopes_disabled():
        draft = Catalogue.objects.get(partnership=partnership, academic_year="2027-28")
    assert client.get(_url(partnership, "catalogues", draft.pk)).status_code == 404
    assert client.get(_url(partnership, "catalogues", "new")).status_code == 403


def test_a_system_leader_has_no_catalogue(client, partnership, system_leader, catalogue):
    client.force_login(system_leader.user)
    assert client.get(_url(partnership, "catalogues")).status_code == 403


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        parsed(client.get(url))
    return len(queries)


@pytest.mark.parametrize("role", ["broker", "headteacher"])
def test_catalogue_pages_queries_do_not_grow(client, request, partnership, catalogue, role):
    member = request.getfixturevalue(role)
    client.force_login(member.user)
    urls = [_url(partnership, "catalogues"), _url(partnership, "catalogues", catalogue.pk)]
    small = [_count(client, url) for url in urls]
    with scopes_disabled():
        for n in range(8):
            old = ServiceFactory(partnership=partnership, catalogue=catalogue, name=f"More {n}", kind=ServiceKind.PAYG_DAY,
                                 days=0, status=ServiceStatus.RETIRED)
            ServiceFactory(partnership=partnership, catalogue=catalogue, name=f"More {n}", lineage=old.lineage,
                           version=2, previous=old)
            school = SchoolFactory()
            member.schools.add(school)
            PartnershipSchoolFactory(partnership=partnership, school=school, is_member=n % 2 == 0)
            CatalogueFactory(partnership=partnership, created_by=member.user, academic_year=f"{2010 + n}-{11 + n}")
    large = [_count(client, url) for url in urls]
    assert large == small
    # Session, membership and scope, the navigation's unread count, then the catalogues (1) or the catalogue, its
    # services and, for a head, their schools and which are members (4), or the ended versions for a broker.
    assert max(small) <= 14


def test_the_copy_page_copies_with_the_uplift(client, partnership, broker, catalogue):
    client.force_login(broker.user)
    copy = _url(partnership, "catalogues", catalogue.pk, "copy")
    page = parsed(client.get(copy))
    assert page.select_one("input[name=academic_year]")["value"] == "2027-28"
    page = parsed(client.post(copy, {"academic_year": "2027-28", "uplift_percent": "3", "title": "Services 2027-28"}))
    assert _errors(page) == ["There is already a catalogue for 2027-28."]
    response = client.post(copy, {"academic_year": "2028-29", "uplift_percent": "3", "title": "Services 2028-29"},
                           follow=True)
    with scopes_disabled():
        new = Catalogue.objects.get(partnership=partnership, academic_year="2028-29")
        assert sorted(Service.objects.filter(catalogue=new).values_list("member_price", flat=True)) == [
            Decimal("927.00"), Decimal("927.00")]
    done(response, _url(partnership, "catalogues", new.pk), "raised by 3%")


def test_the_brokers_form_pages_queries_do_not_grow(client, partnership, broker, catalogue):
    with scopes_disabled():
        draft = Catalogue.objects.get(partnership=partnership, academic_year="2027-28")
        service = Service.objects.filter(catalogue=catalogue).first()
        draft_service = ServiceFactory(partnership=partnership, catalogue=draft, status=ServiceStatus.DRAFT)
    client.force_login(broker.user)
    urls = [_url(partnership, "catalogues", "new"), _url(partnership, "catalogues", draft.pk, "edit"),
            _url(partnership, "catalogues", draft.pk, "services/new"),
            _url(partnership, "catalogues", draft.pk, "publish"), _url(partnership, "catalogues", catalogue.pk, "copy"),
            _url(partnership, "services", service.pk, "edit"), _url(partnership, "services", service.pk, "withdraw"),
            _url(partnership, "services", draft_service.pk, "remove")]
    small = [_count(client, url) for url in urls]
    with scopes_disabled():
        for n in range(8):
            ServiceFactory(partnership=partnership, catalogue=draft, status=ServiceStatus.DRAFT, name=f"More {n}")
            ServiceFactory(partnership=partnership, catalogue=catalogue, name=f"More {n}")
    assert [_count(client, url) for url in urls] == small
    # Session, membership and scope, the catalogue or service, a count of services for publishing, the unread count.
    assert max(small) <= 12


def test_the_catalogue_says_which_services_are_not_on_sale_now_and_why(client, partnership, headteacher, catalogue):
    from datetime import date, timedelta

    from django.utils import timezone

    today = timezone.localdate()
    with scopes_disabled():
        ServiceFactory(partnership=partnership, catalogue=catalogue, name="Closed", position=3,
                       order_opens=date(2026, 3, 1), order_closes=today - timedelta(days=1))
        ServiceFactory(partnership=partnership, catalogue=catalogue, name="Full", position=4, limit=2, sold=2)
        ServiceFactory(partnership=partnership, catalogue=catalogue, name="Later", position=5,
                       order_opens=today + timedelta(days=1))
    client.force_login(headteacher.user)
    page = parsed(client.get(_url(partnership, "catalogues", catalogue.pk)))
    notes = {card.select_one("h3").get_text(" ", strip=True): card.select_one(".not-on-sale")
             for card in page.select(".govuk-summary-card")}
    assert {name: note.get_text(strip=True) for name, note in notes.items() if note} == {
        "Closed": f"Orders closed on {(today - timedelta(days=1)).day} "
                  f"{(today - timedelta(days=1)).strftime('%B %Y')}.",
        "Full": "All 2 places are taken.",
        "Later": f"Orders open on {(today + timedelta(days=1)).day} {(today + timedelta(days=1)).strftime('%B %Y')}.",
    }
