"""Link partner support (seed 003): one day or two half days a year from a link partner entitlement, with the
report written under the seven common elements and agreed by the head through the review machinery."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from deployments import processes
from deployments.models import LINK_PARTNER_ELEMENTS, Review, ReviewStatus, Visit
from deployments.reviews import services as reviews
from portal.errors import DomainError
from programmes.models import Entitlement, ServiceKind
from programmes.money import academic_year_of
from tests.deployments.conftest import active, school_day
from tests.deployments.reviews.conftest import write_as_leader
from tests.deployments.test_funding import logged, started
from tests.factories import CatalogueFactory, EntitlementFactory, ServiceFactory

pytestmark = [pytest.mark.django_db]
SECTIONS = {key: f"On {key}: <b>clear</b> findings." for key, _ in LINK_PARTNER_ELEMENTS}


def link_partner_for(b) -> Entitlement:
    with scopes_disabled():
        catalogue = CatalogueFactory(partnership=b.partnership, academic_year=academic_year_of(timezone.localdate()))
        service = ServiceFactory(partnership=b.partnership, catalogue=catalogue, name="Link partner",
                                 kind=ServiceKind.LINK_PARTNER, days=Decimal(1), half_days_allowed=True)
        return EntitlementFactory(partnership=b.partnership, service=service, school=b.request.school, days=Decimal(1))


def test_a_link_partner_day_taken_as_two_half_days_draws_the_one_day(brokerage):
    b = brokerage
    entitlement = link_partner_for(b)
    deployment = started(b, entitlement, days=Decimal(1), start_date=school_day(1))
    for back in (1, 0):
        visit = logged(b, deployment, back=back, days="0.5")
        with scope(partnership=b.partnership):
            processes.answer_visit(actor=b.head, visit=Visit.objects.get(pk=visit.pk), confirm=True)
    with scopes_disabled():
        assert Entitlement.objects.get(pk=entitlement.pk).used == 1


def test_the_link_partner_report_has_the_seven_sections_and_the_head_agrees_it(brokerage, client):
    b = brokerage
    deployment = started(b, link_partner_for(b), days=Decimal(1))
    with scopes_disabled():
        review = Review.objects.filter(deployment=deployment).first()
    with pytest.raises(DomainError, match="Write every section of the link partner report"):
        write_as_leader(b, review, sections={**SECTIONS, "governors": " "})
    with pytest.raises(DomainError, match="seven link partner elements"):
        write_as_leader(b, review, sections={**SECTIONS, "made_up": "x"})
    write_as_leader(b, review, sections=SECTIONS)
    with scope(partnership=b.partnership):
        reviews.answer_review(actor=b.head, review=Review.objects.get(pk=review.pk), agree=True)
        review = Review.objects.get(pk=review.pk)
    assert review.status == ReviewStatus.AGREED and review.sections == {k: v.strip() for k, v in SECTIONS.items()}
    client.force_login(b.head.user)
    page = BeautifulSoup(client.get(f"/p/{b.partnership.slug}/reviews/{review.pk}/").content, "html.parser")
    headings = [h.get_text(strip=True) for h in page.select("h3.govuk-heading-s")]
    assert all(label in headings for _, label in LINK_PARTNER_ELEMENTS)
    assert "On governors: <b>clear</b> findings." in page.get_text()  # escaped, shown as written


def test_the_write_page_asks_for_each_element_only_for_link_partner_support(brokerage, client):
    b = brokerage
    deployment = started(b, link_partner_for(b), days=Decimal(1))
    with scopes_disabled():
        review = Review.objects.filter(deployment=deployment).first()
    client.force_login(b.leader_member.user)
    url = f"/p/{b.partnership.slug}/reviews/{review.pk}/write/"
    page = BeautifulSoup(client.get(url).content, "html.parser")
    labels = [label.get_text(strip=True) for label in page.select("label")]
    assert all(label in labels for _, label in LINK_PARTNER_ELEMENTS)
    response = client.post(url, {"action": "submit"})
    assert "Write the section: external perspectives" in response.content.decode()


def test_other_support_has_no_link_partner_sections(brokerage):
    b = brokerage
    deployment = active(b)
    with scopes_disabled():
        review = Review.objects.filter(deployment=deployment).first()
    with pytest.raises(DomainError, match="Only a link partner"):
        write_as_leader(b, review, sections=SECTIONS)
