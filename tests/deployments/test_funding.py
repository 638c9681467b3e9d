"""Funding through the real services: the proposal names the school's entitlement, approval holds the agreed days,
confirmed visits draw them (or are charged when the work is pay as you go), a dispute settled either way, closing
releases the rest; and two heads confirming against a balance that fits one visit never take it below zero."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from deployments import processes
from deployments.delivery import visits
from deployments.models import Deployment, DeploymentStatus, Funder, SupportRequest, Visit, VisitStatus
from deployments.variations import services as variation_services
from portal.errors import Conflict, DomainError
from programmes.models import Catalogue, ChargeKind, ChargeLine, Drawdown, DrawdownKind, Entitlement, EntitlementStatus
from programmes.money import academic_year_of
from tests.conftest import require
from tests.deployments.conftest import accepted, count_and_parse, propose, school_day
from tests.deployments.variations.conftest import propose_change
from tests.factories import (
    CatalogueFactory,
    DeploymentFactory,
    EntitlementFactory,
    OrderLineFactory,
    PartnershipFactory,
    SchoolFactory,
    ServiceFactory,
    VisitFactory,
)
from tests.tenancy.test_races import race

D = Decimal
FOUR = Decimal(4)


def package_for(school, partnership, days=FOUR, **extra) -> Entitlement:
    with scopes_disabled():
        year = academic_year_of(timezone.localdate())
        catalogue = (Catalogue.objects.filter(partnership=partnership, academic_year=year).first()
                     or CatalogueFactory(partnership=partnership, academic_year=year))
        service = ServiceFactory(partnership=partnership, catalogue=catalogue, name="Four-day package", days=days)
        return EntitlementFactory(partnership=partnership, service=service, school=school, days=days, **extra)


def reload(entitlement) -> Entitlement:
    with scopes_disabled():
        return Entitlement.objects.get(pk=entitlement.pk)


def started(b, entitlement, **overrides) -> Deployment:
    """Proposed on `entitlement`, approved (its days held) and confirmed by both sides."""
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b, funder="package", entitlement=entitlement, **overrides)
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Good fit.")
        processes.confirm_agreement(actor=b.head, deployment=Deployment.objects.get(pk=deployment.pk))
        processes.confirm_agreement(actor=b.leader_member, deployment=Deployment.objects.get(pk=deployment.pk))
        return Deployment.objects.get(pk=deployment.pk)


def logged(b, deployment, back=0, days="1.0") -> Visit:
    with scope(partnership=b.partnership):
        return visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=school_day(back),
                                days=D(days), focus="Maths")


@pytest.mark.django_db
def test_a_package_funded_deployment_holds_draws_as_visits_are_confirmed_and_releases_the_rest(brokerage):
    b = brokerage
    entitlement = package_for(b.request.school, b.partnership)
    deployment = started(b, entitlement)
    assert (reload(entitlement).held, reload(entitlement).free) == (3, 1)
    visit = logged(b, deployment)
    with scope(partnership=b.partnership):
        processes.answer_visit(actor=b.head, visit=Visit.objects.get(pk=visit.pk), confirm=True)
    assert (reload(entitlement).used, reload(entitlement).held) == (1, 2)
    with scope(partnership=b.partnership):
        processes.stop_deployment(actor=b.broker, deployment=Deployment.objects.get(pk=deployment.pk), reason="Done")
        kinds = list(Drawdown.objects.filter(entitlement=entitlement).values_list("kind", "days", "held", "cause_type"))
    assert kinds == [(DrawdownKind.HOLD, 0, 3, "deployment"), (DrawdownKind.DRAW, 1, -1, "visit"),
                     (DrawdownKind.RELEASE, 0, -2, "deployment")]
    assert (reload(entitlement).used, reload(entitlement).held, reload(entitlement).free) == (1, 0, 3)


@pytest.mark.django_db
def test_a_disputed_visit_draws_when_it_stands_and_nothing_when_it_is_removed(brokerage):
    b = brokerage
    entitlement = package_for(b.request.school, b.partnership)
    deployment = started(b, entitlement, start_date=school_day(1))
    first, second = logged(b, deployment, back=1), logged(b, deployment, back=0)
    with scope(partnership=b.partnership):
        for visit in (first, second):
            processes.answer_visit(actor=b.head, visit=Visit.objects.get(pk=visit.pk), confirm=False, reason="No")
        assert reload(entitlement).used == 0
        processes.resolve_dispute(actor=b.broker, visit=Visit.objects.get(pk=first.pk), uphold=True, note="It happened")
        processes.resolve_dispute(actor=b.broker, visit=Visit.objects.get(pk=second.pk), uphold=False, note="It did not")
    assert (reload(entitlement).used, reload(entitlement).held) == (1, 2)


@pytest.mark.django_db
def test_confirming_beyond_the_balance_is_refused_and_the_visit_waits(brokerage):
    b = brokerage
    entitlement = package_for(b.request.school, b.partnership, days=D(3))
    deployment = started(b, entitlement)
    with scopes_disabled():  # another deployment's visits took the held days meanwhile (as a change could)
        Drawdown.objects.filter(entitlement=entitlement).update(held=0)
        Entitlement.objects.filter(pk=entitlement.pk).update(held=0, used=D("2.5"))
    visit = logged(b, deployment)
    with scope(partnership=b.partnership), pytest.raises(Conflict, match="has 0.5 days left, not the 1 day"):
        processes.answer_visit(actor=b.head, visit=Visit.objects.get(pk=visit.pk), confirm=True)
    with scopes_disabled():
        assert Visit.objects.get(pk=visit.pk).status == VisitStatus.LOGGED


@pytest.mark.django_db
def test_with_the_heads_consent_the_days_beyond_the_balance_are_charged_at_the_deployments_rate(brokerage):
    b = brokerage
    entitlement = package_for(b.request.school, b.partnership, days=D("0.5"))
    with scopes_disabled():
        SupportRequest.objects.filter(pk=b.request.pk).update(payg_beyond_balance=True)
    deployment = started(b, entitlement, days=D(1))  # holds the half day there is
    visit = logged(b, deployment)
    with scope(partnership=b.partnership):
        processes.answer_visit(actor=b.head, visit=Visit.objects.get(pk=visit.pk), confirm=True)
        charge = ChargeLine.objects.get()
    assert (charge.kind, charge.quantity, charge.unit_price, charge.amount) == (ChargeKind.PAYG, D("0.5"), 350, 175)
    assert reload(entitlement).used == D("0.5")


@pytest.mark.django_db
def test_a_pay_as_you_go_deployment_charges_each_confirmed_visit_once_at_its_rate(brokerage):
    b = brokerage
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b, funder="payg", day_rate=D("412.50"))
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Yes")
        processes.confirm_agreement(actor=b.head, deployment=Deployment.objects.get(pk=deployment.pk))
        processes.confirm_agreement(actor=b.leader_member, deployment=Deployment.objects.get(pk=deployment.pk))
    visit = logged(b, Deployment.objects.get(pk=deployment.pk), days="0.5")
    with scope(partnership=b.partnership):
        processes.answer_visit(actor=b.head, visit=Visit.objects.get(pk=visit.pk), confirm=True)
        with pytest.raises(DomainError):
            processes.answer_visit(actor=b.head, visit=Visit.objects.get(pk=visit.pk), confirm=True)
        charge = ChargeLine.objects.get()
    assert (charge.quantity, charge.unit_price, charge.amount, charge.cause_type, charge.cause_id) == (
        D("0.5"), D("412.50"), D("206.25"), "visit", visit.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["other school", "other partnership", "cancelled", "used up", "core for a package",
                                  "missing"])
def test_the_proposal_refuses_an_entitlement_that_cannot_pay(brokerage, case):
    b = brokerage
    school = b.request.school
    entitlement = {
        "other school": lambda: package_for(SchoolFactory(), b.partnership),
        "other partnership": lambda: package_for(school, PartnershipFactory()),
        "cancelled": lambda: package_for(school, b.partnership, status=EntitlementStatus.CANCELLED),
        "used up": lambda: package_for(school, b.partnership, used=D(4)),
        "core for a package": lambda: package_for(school, b.partnership, source="core"),
        "missing": lambda: None,
    }[case]()
    accepted(b)
    with scope(partnership=b.partnership), pytest.raises(DomainError) as error:
        propose(b, funder="package", entitlement=entitlement)
    assert error.value.field == "entitlement"
    with scope(partnership=b.partnership):
        assert not Deployment.objects.exists()


@pytest.mark.django_db
def test_the_deployment_page_shows_the_funding_and_its_balance(client, brokerage):
    b = brokerage
    entitlement = package_for(b.request.school, b.partnership)
    deployment = started(b, entitlement)
    url = f"/p/{b.partnership.slug}/deployments/{deployment.pk}/"
    _, page = count_and_parse(client, url, b.head.user)
    text = " ".join(page.get_text().split())
    assert "Drawn from: Four-day package" in text and "1 day left of 4 days (3 days held for agreed support)" in text


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_confirmations_against_a_balance_for_one_visit_never_go_below_zero(brokerage, attempt):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    b = brokerage
    school = b.request.school
    entitlement = package_for(school, b.partnership, days=D(1))
    with scopes_disabled():
        pending = [VisitFactory(partnership=b.partnership, deployment=DeploymentFactory(
            partnership=b.partnership, request__school=school, status=DeploymentStatus.ACTIVE, funder=Funder.PACKAGE,
            entitlement=entitlement, leader=b.leader)) for _ in range(2)]

    def confirm(visit):
        return lambda: processes.answer_visit(actor=b.head, visit=Visit.objects.get(pk=visit.pk), confirm=True)

    results, errors = race(*(confirm(v) for v in pending))
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict), errors
    assert "has 0 days left" in str(errors[0]) or "left, not the 1 day" in str(errors[0])
    assert (reload(entitlement).used, reload(entitlement).free) == (1, 0)
    with scopes_disabled():
        assert sorted(Visit.objects.filter(pk__in=[v.pk for v in pending]).values_list("status", flat=True)) == [
            VisitStatus.CONFIRMED, VisitStatus.LOGGED]
        assert Drawdown.objects.filter(entitlement=entitlement).count() == 1


@pytest.mark.django_db
def test_half_days_are_refused_when_the_paying_service_is_taken_in_whole_days(brokerage):
    b = brokerage
    entitlement = package_for(b.request.school, b.partnership)
    with scopes_disabled():
        type(entitlement.service).objects.filter(pk=entitlement.service_id).update(half_days_allowed=False)
    deployment = started(b, entitlement)
    with pytest.raises(DomainError, match="taken in whole days") as error:
        logged(b, deployment, days="0.5")
    assert error.value.field == "days"
    assert logged(b, deployment, days="1.0").days == 1


@pytest.mark.django_db
def test_consent_on_the_order_that_bought_the_days_counts_too(brokerage):
    b = brokerage
    entitlement = package_for(b.request.school, b.partnership, days=D("0.5"))
    with scopes_disabled():
        line = OrderLineFactory(partnership=b.partnership, order__school=b.request.school, service=entitlement.service,
                                order__catalogue=entitlement.service.catalogue, order__payg_beyond_balance=True)
        Entitlement.objects.filter(pk=entitlement.pk).update(order_line=line)
    deployment = started(b, entitlement, days=D(1))
    visit = logged(b, deployment)
    with scope(partnership=b.partnership):
        processes.answer_visit(actor=b.head, visit=Visit.objects.get(pk=visit.pk), confirm=True)
        assert ChargeLine.objects.get().quantity == D("0.5")


@pytest.mark.django_db
def test_approval_is_refused_when_the_agreed_days_do_not_fit_what_is_free(brokerage):
    b = brokerage
    entitlement = package_for(b.request.school, b.partnership, days=D(2))
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b, funder="package", entitlement=entitlement)  # 3 days on a 2-day package
        with pytest.raises(Conflict, match="has 2 days free, but this needs 3 days more"):
            processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Yes")
        assert Deployment.objects.get(pk=deployment.pk).status == DeploymentStatus.PROPOSED
    assert reload(entitlement).held == 0


@pytest.mark.django_db
def test_a_change_of_days_both_sides_confirm_holds_the_new_days(brokerage):
    b = brokerage
    entitlement = package_for(b.request.school, b.partnership)
    deployment = started(b, entitlement)
    variation = propose_change(b, deployment, days=D(4))
    with scope(partnership=b.partnership):
        if variation.needs_approval:
            variation_services.decide(actor=b.approver, variation=variation, deployment=deployment, approve=True,
                                      note="Yes.")
        for member in (b.head, b.leader_member):
            processes.confirm_variation(actor=member, variation=type(variation).objects.get(pk=variation.pk))
    assert (reload(entitlement).held, reload(entitlement).free) == (4, 0)


@pytest.mark.django_db
def test_withdrawing_the_request_before_the_work_starts_releases_the_held_days(brokerage):
    b = brokerage
    entitlement = package_for(b.request.school, b.partnership)
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b, funder="package", entitlement=entitlement)
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Yes")
        assert reload(entitlement).held == 3
        processes.withdraw_request(actor=b.head, request=SupportRequest.objects.get(pk=b.request.pk),
                                   reason="Covered elsewhere")
    assert (reload(entitlement).held, reload(entitlement).free) == (0, 4)


@pytest.mark.django_db
def test_the_funded_deployment_page_makes_no_more_queries_than_an_unfunded_one(client, brokerage):
    b = brokerage
    entitlement = package_for(b.request.school, b.partnership)
    deployment = started(b, entitlement)
    url = f"/p/{b.partnership.slug}/deployments/{deployment.pk}/"
    count_and_parse(client, url, b.head.user)  # the first view fills the content-type cache
    funded, _ = count_and_parse(client, url, b.head.user)
    with scopes_disabled():
        Deployment.objects.filter(pk=deployment.pk).update(entitlement=None, funder=Funder.SCHOOL)
    unfunded, _ = count_and_parse(client, url, b.head.user)
    assert funded == unfunded
