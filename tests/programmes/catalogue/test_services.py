"""The catalogue's services: creating, changing (drafts in place, published ones as new versions), publishing
(core entitlements granted once, heads told), withdrawing, copying forward, and the eligibility rules."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from alliances.services import set_partnership_school
from portal.audit.models import AuditEvent
from portal.errors import Conflict, DomainError, NotAllowed
from portal.notifications.models import Notification
from portal.tenancy.rls import cross_partnership
from programmes.catalogue import copying, services
from programmes.catalogue.rules import service_problems
from programmes.models import Catalogue, CatalogueStatus, Entitlement, Service, ServiceKind, ServiceStatus
from tests.factories import (
    CatalogueFactory,
    OrderLineFactory,
    PartnershipSchoolFactory,
    SchoolFactory,
    ServiceFactory,
)

pytestmark = [pytest.mark.django_db]

PACKAGE = {"name": "Two-day package", "description": "Two days of support", "terms": "", "kind": ServiceKind.PACKAGE,
           "phases": [], "school_type_groups": [], "for_members": True, "for_non_members": True,
           "days": Decimal("2"), "half_days_allowed": True, "annual": False, "member_price": Decimal("900"),
           "non_member_price": Decimal("1200"), "academy_price": None, "order_opens": date(2026, 6, 1),
           "order_closes": date(2026, 9, 30), "starts_on": date(2026, 9, 1), "limit": 20}
CORE = {**PACKAGE, "name": "Core entitlement", "kind": ServiceKind.CORE, "for_non_members": False,
        "non_member_price": None, "member_price": Decimal("0"), "days": Decimal("1"), "limit": None}


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


@pytest.fixture
def draft(broker):
    return services.create_catalogue(actor=broker, academic_year="2026-27",
                                     values={"title": "Services 2026-27", "renewal_deadline": date(2027, 3, 31)})


def test_a_broker_creates_a_draft_catalogue_once_per_year(broker, draft):
    assert draft.status == CatalogueStatus.DRAFT and draft.created_by == broker.user
    assert AuditEvent.objects.filter(action="catalogue.created", object_id=str(draft.pk)).exists()
    with pytest.raises(DomainError, match="already a catalogue for 2026-27"):
        services.create_catalogue(actor=broker, academic_year="2026-27", values={"title": "Again"})


def test_a_headteacher_cannot_create_a_catalogue(headteacher):
    with pytest.raises(NotAllowed):
        services.create_catalogue(actor=headteacher, academic_year="2026-27", values={"title": "Mine"})


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"non_member_price": None}, "non_member_price", "Enter the non-member price"),
    ({"order_closes": date(2026, 5, 1)}, "order_closes", "close on or after the day it opens"),
    ({"days": Decimal("0")}, "days", "Enter the days a package of days includes"),
    ({"kind": ServiceKind.CORE}, "buyers", "core entitlement is for member schools only"),
    ({"for_members": False, "for_non_members": False}, "buyers", "Choose who may buy"),
    ({"kind": ServiceKind.PAYG_DAY}, "days", "includes no days"),
    ({"non_member_price": Decimal("100")}, "non_member_price", "cannot be lower than the member price"),
    ({"starts_on": date(2027, 9, 1)}, "starts_on", "must start in the academic year 2026-27"),
    ({"for_members": False, "academy_price": Decimal("800")}, "academy_price", "member academies"),
])
def test_a_service_breaking_a_rule_is_refused_with_the_field_and_a_clear_message(broker, draft, change, field,
                                                                                  message):
    problems = service_problems({**PACKAGE, **change}, academic_year="2026-27")
    assert any(p.field == field and message in p.message for p in problems), problems
    with pytest.raises(DomainError, match=message):
        services.add_service(actor=broker, catalogue=draft, values={**PACKAGE, **change})
    assert not Service.objects.filter(catalogue=draft).exists()


def test_a_draft_service_changes_in_place(broker, draft):
    service = services.add_service(actor=broker, catalogue=draft, values=PACKAGE)
    changed = services.change_service(actor=broker, service=service, values={**PACKAGE, "member_price": Decimal("950")})
    assert changed.pk == service.pk and changed.version == 1 and changed.member_price == Decimal("950")


def _published(broker, draft, *values):
    made = [services.add_service(actor=broker, catalogue=draft, values=v) for v in values]
    services.publish_catalogue(actor=broker, catalogue=draft)
    return [Service.objects.get(pk=s.pk) for s in made]


def test_publishing_grants_core_entitlements_once_and_tells_the_heads_of_member_schools(broker, headteacher, draft):
    member = SchoolFactory()
    PartnershipSchoolFactory(partnership=draft.partnership, school=member, is_member=True)
    PartnershipSchoolFactory(partnership=draft.partnership, school=SchoolFactory(), is_member=False)
    PartnershipSchoolFactory(partnership=draft.partnership, school=headteacher.schools.get(), is_member=True)
    core, package = _published(broker, draft, CORE, PACKAGE)
    assert core.status == package.status == ServiceStatus.PUBLISHED
    held = Entitlement.objects.filter(service=core)
    assert sorted(held.values_list("school_id", flat=True)) == sorted([member.pk, headteacher.schools.get().pk])
    assert all(e.days == Decimal("1") and e.academic_year == "2026-27" for e in held)
    draft.refresh_from_db()
    assert draft.status == CatalogueStatus.PUBLISHED and draft.published_by == broker.user
    told = Notification.objects.filter(event_type="catalogue.published")
    assert {n.recipient_id for n in told} == {headteacher.user_id}
    assert {n.channel for n in told} == {"in_app", "email"}
    assert all(n.title == "Services 2026-27 is published" and n.link == f"/p/{draft.partnership.slug}/catalogues/"
               f"{draft.pk}/" and "31 March 2027" in " ".join(n.context["lines"]) for n in told)
    with pytest.raises(Conflict):
        services.publish_catalogue(actor=broker, catalogue=Catalogue.objects.get(pk=draft.pk))
    assert Entitlement.objects.filter(service=core).count() == 2


def test_an_empty_catalogue_is_not_published(broker, draft):
    with pytest.raises(DomainError, match="Add at least one service"):
        services.publish_catalogue(actor=broker, catalogue=draft)


def test_changing_a_published_service_makes_a_new_version_and_order_lines_keep_theirs(broker, draft):
    (service,) = _published(broker, draft, PACKAGE)
    line = OrderLineFactory(partnership=draft.partnership, service=service, order__catalogue=draft)
    new = services.change_service(actor=broker, service=service, values={**PACKAGE, "member_price": Decimal("950")})
    service.refresh_from_db()
    line.refresh_from_db()
    assert (new.version, new.lineage, new.previous_id, new.status) == (2, service.lineage, service.pk, "published")
    assert service.status == ServiceStatus.RETIRED and service.member_price == Decimal("900")
    assert line.service_id == service.pk
    assert AuditEvent.objects.filter(action="service.versioned", object_id=str(new.pk)).exists()
    with pytest.raises(Conflict):
        services.change_service(actor=broker, service=service, values={**PACKAGE, "member_price": Decimal("990")})


def test_a_published_service_keeps_its_kind(broker, draft):
    (service,) = _published(broker, draft, PACKAGE)
    with pytest.raises(DomainError, match="keeps its kind"):
        services.change_service(actor=broker, service=service, values={**PACKAGE, "kind": ServiceKind.LINK_PARTNER})
    assert Service.objects.filter(lineage=service.lineage).count() == 1


def test_a_limit_below_what_is_sold_is_refused(broker, draft):
    (service,) = _published(broker, draft, PACKAGE)
    Service.objects.filter(pk=service.pk).update(sold=5)
    service.refresh_from_db()
    with pytest.raises(DomainError, match="cannot be lower than 5"):
        services.change_service(actor=broker, service=service, values={**PACKAGE, "limit": 4})


@pytest.mark.django_db(transaction=True)
def test_two_editors_at_once_make_exactly_one_version_two(broker, draft):
    (service,) = _published(broker, draft, PACKAGE)
    barrier, results = threading.Barrier(2), []

    def edit(price):
        try:
            with cross_partnership("a racing editor's thread", quiet=True):
                mine = Service.objects.get(pk=service.pk)
                barrier.wait()
                results.append(services.change_service(actor=broker, service=mine,
                                                       values={**PACKAGE, "member_price": price}).version)
        except Conflict as error:
            results.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(Decimal(p),)) for p in ("950", "990")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == [2, "Someone else changed this service first. Reload the page to see it as "
                                           "it is now."]
    assert Service.objects.filter(lineage=service.lineage).count() == 2
    assert Service.objects.filter(lineage=service.lineage, status=ServiceStatus.PUBLISHED).count() == 1


def test_a_published_service_is_withdrawn_with_a_reason_and_a_draft_one_removed(broker, draft):
    removable = services.add_service(actor=broker, catalogue=draft, values={**PACKAGE, "name": "Spare"})
    services.remove_service(actor=broker, service=removable)
    assert not Service.objects.filter(pk=removable.pk).exists()
    (service,) = _published(broker, draft, PACKAGE)
    with pytest.raises(DomainError, match="Say why"):
        services.withdraw_service(actor=broker, service=service, reason=" ")
    services.withdraw_service(actor=broker, service=service, reason="No leaders free this year")
    assert Service.objects.get(pk=service.pk).status == ServiceStatus.WITHDRAWN
    assert AuditEvent.objects.filter(action="service.withdrawn", object_id=str(service.pk)).exists()


def test_copy_forward_uplifts_every_price_moves_dates_on_and_keeps_limits(broker):
    source = services.create_catalogue(actor=broker, academic_year="2018-19",
                                       values={"title": "School improvement services 2018/19",
                                               "renewal_deadline": date(2019, 3, 31)})
    (old,) = _published(broker, source, {**PACKAGE, "order_opens": date(2018, 6, 1), "order_closes": date(2018, 9, 30),
                                         "starts_on": date(2018, 9, 1), "academy_price": Decimal("850")})
    copy = copying.copy_catalogue_forward(actor=broker, catalogue=source, uplift_percent=Decimal("2.5"))
    assert (copy.academic_year, copy.title, copy.status) == ("2019-20", "School improvement services 2019/20", "draft")
    assert copy.copied_from == source and copy.uplift_percent == Decimal("2.5")
    assert copy.renewal_deadline == date(2020, 3, 31)
    (new,) = Service.objects.filter(catalogue=copy)
    assert (new.member_price, new.non_member_price, new.academy_price) == (
        Decimal("922.50"), Decimal("1230.00"), Decimal("871.25"))
    assert (new.order_opens, new.order_closes, new.starts_on) == (date(2019, 6, 1), date(2019, 9, 30), date(2019, 9, 1))
    assert new.limit == 20 and new.sold == 0 and new.lineage != old.lineage and new.status == "draft"
    with pytest.raises(DomainError, match="already a catalogue for 2019-20"):
        copying.copy_catalogue_forward(actor=broker, catalogue=source, uplift_percent=Decimal(0))
    later = copying.copy_catalogue_forward(actor=broker, catalogue=source, uplift_percent=Decimal(0),
                                           academic_year="2026-27")
    assert Service.objects.get(catalogue=later).starts_on == date(2026, 9, 1)


def test_copy_forward_moves_29_february_to_28_february():
    assert copying.years_later(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_a_school_that_joins_later_gets_the_current_core_entitlement(broker, partnership, draft, monkeypatch):
    monkeypatch.setattr("programmes.catalogue.services.timezone.localdate", lambda: date(2026, 10, 1))
    (core,) = _published(broker, draft, CORE)
    school = SchoolFactory()
    set_partnership_school(actor=broker, school=school, is_member=False)
    assert not Entitlement.objects.filter(school=school).exists()
    set_partnership_school(actor=broker, school=school, is_member=True)
    (held,) = Entitlement.objects.filter(school=school)
    assert (held.service_id, held.days, held.academic_year) == (core.pk, Decimal("1"), "2026-27")
    set_partnership_school(actor=broker, school=school, is_member=True, notes="Still a member")
    assert Entitlement.objects.filter(school=school).count() == 1


def test_a_school_joining_gets_nothing_from_a_past_years_catalogue(broker, partnership, monkeypatch):
    monkeypatch.setattr("programmes.catalogue.services.timezone.localdate", lambda: date(2026, 10, 1))
    old = CatalogueFactory(partnership=partnership, academic_year="2025-26", created_by=broker.user)
    ServiceFactory(partnership=partnership, catalogue=old, kind=ServiceKind.CORE, for_non_members=False)
    school = SchoolFactory()
    set_partnership_school(actor=broker, school=school, is_member=True)
    assert not Entitlement.objects.filter(school=school).exists()


@pytest.mark.django_db(transaction=True)
def test_two_brokers_publishing_at_once_publish_once_and_grant_once(broker, partnership, draft):
    PartnershipSchoolFactory(partnership=partnership, school=SchoolFactory(), is_member=True)
    services.add_service(actor=broker, catalogue=draft, values=CORE)
    barrier, results = threading.Barrier(2), []

    def publish():
        try:
            with cross_partnership("a racing publisher's thread", quiet=True):
                mine = Catalogue.objects.get(pk=draft.pk)
                barrier.wait()
                results.append(services.publish_catalogue(actor=broker, catalogue=mine))
        except Conflict as error:
            results.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == [1, "Someone else changed this catalogue first. Reload the page to see what "
                                           "happened."]
    assert Entitlement.objects.filter(partnership=partnership).count() == 1
    assert AuditEvent.objects.filter(action="catalogue.published").count() == 1
