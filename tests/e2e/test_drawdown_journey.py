"""A deployment paid by a package the school bought draws the days down as the school confirms its visits, and the
deployment page shows the balance each time. axe-core runs on every page visited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from alliances.models import Specialism, SystemLeader
from deployments import processes
from deployments.brokerage import offers, proposals
from deployments.brokerage.proposals import ObjectiveInput
from deployments.delivery import visits
from deployments.models import Deployment, Offer, SupportRequest
from deployments.requests import services
from portal.tenancy.roles import Role
from programmes.models import ChargeLine, Entitlement
from programmes.money import academic_year_of
from tests.deployments.conftest import school_day
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_brokerage_journey import _people
from tests.e2e.test_directory import sign_in
from tests.factories import CatalogueFactory, EntitlementFactory, ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _package_funded(partnership, people, request) -> tuple[Deployment, Entitlement]:
    """A two-day package bought by the school pays for two days of maths support, approved and under way, with
    two visits logged."""
    today = timezone.localdate()
    broker, leader = people[Role.BROKER], people[Role.SYSTEM_LEADER]
    with scopes_disabled():
        catalogue = CatalogueFactory(partnership=partnership, academic_year=academic_year_of(today))
        service = ServiceFactory(partnership=partnership, catalogue=catalogue, name="Two-day package")
        entitlement = EntitlementFactory(partnership=partnership, service=service, school=request.school)
    with scope(partnership=partnership):
        services.triage_request(actor=broker, request=request, eligible=True, support_level="targeted")
        record = SystemLeader.objects.get(user=leader.user)
        [offer] = offers.make_offers(actor=broker, request=SupportRequest.objects.get(pk=request.pk), leaders=[record])
        processes.accept_offer(actor=leader, offer=Offer.objects.get(pk=offer.pk))
        maths = Specialism.objects.get(partnership=partnership, name="Mathematics")
        deployment = proposals.propose_deployment(
            actor=broker, request=SupportRequest.objects.get(pk=request.pk),
            objectives=[ObjectiveInput(maths, "Teachers plan KS2 maths with confidence", "80% at expected standard")],
            days=Decimal(2), rate_kind="member", day_rate=Decimal(350), funder="package", entitlement=entitlement,
            start_date=today - timedelta(days=20), end_date=today + timedelta(days=60))
        processes.decide_deployment(actor=people[Role.APPROVER], deployment=deployment, approve=True, rationale="Yes.")
        processes.confirm_agreement(actor=people[Role.HEADTEACHER], deployment=Deployment.objects.get(pk=deployment.pk))
        processes.confirm_agreement(actor=leader, deployment=Deployment.objects.get(pk=deployment.pk))
        for back in (2, 1):
            visits.log_visit(actor=leader, deployment=Deployment.objects.get(pk=deployment.pk),
                             visit_date=school_day(back), days=Decimal(1), focus="Year 6 maths")
    return deployment, entitlement


def _confirm(page, day):
    page.get_by_role("link", name=f"Confirm or dispute the visit on {day.day} {day:%B %Y}").click()
    page.get_by_label("Yes, confirm it").check()
    page.get_by_role("button", name="Send your answer").click()


def test_a_package_funded_deployment_draws_down_as_the_head_confirms_visits(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership, people, request = _people(settings)
    deployment, entitlement = _package_funded(partnership, people, request)
    base, visited = live_server.url, []
    main = page.locator("main")
    sign_in(page, base, people[Role.HEADTEACHER].user)
    page.goto(f"{base}/p/{partnership.slug}/deployments/{deployment.pk}/")
    check_accessibility(page, visited)
    assert "Drawn from: Two-day package" in main.inner_text()
    assert "0 days left of 2 days (2 days held for agreed support)" in main.inner_text()

    _confirm(page, school_day(2))
    check_accessibility(page, visited)
    assert "0 days left of 2 days (1 day used, 1 day held for agreed support)" in main.inner_text()
    _confirm(page, school_day(1))
    check_accessibility(page, visited)
    assert "0 days left of 2 days (2 days used)" in main.inner_text()
    with scopes_disabled():
        row = Entitlement.objects.get(pk=entitlement.pk)
        assert (row.used, row.held) == (2, 0)
        assert not ChargeLine.objects.exists()  # all inside the package: nothing charged
    assert len(visited) >= 3
