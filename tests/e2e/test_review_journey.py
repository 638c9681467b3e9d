"""A termly review in the browser: the system leader writes it, the headteacher agrees, the broker sees it.

axe-core runs on every page visited.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from alliances.models import Specialism
from deployments import processes
from deployments.brokerage import offers, proposals
from deployments.brokerage.proposals import ObjectiveInput
from deployments.models import Deployment, Offer, Review, ReviewStatus, SupportRequest
from deployments.requests import services
from portal.tenancy.roles import Role
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_brokerage_journey import _people
from tests.e2e.test_directory import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _active_deployment(partnership, people, request):
    today = timezone.localdate()
    with scope(partnership=partnership):
        services.triage_request(actor=people[Role.BROKER], request=request, eligible=True, support_level="targeted")
        leader = people[Role.SYSTEM_LEADER]
        from alliances.models import SystemLeader

        record = SystemLeader.objects.get(user=leader.user)
        [offer] = offers.make_offers(actor=people[Role.BROKER], request=SupportRequest.objects.get(pk=request.pk),
                                     leaders=[record])
        processes.accept_offer(actor=leader, offer=Offer.objects.get(pk=offer.pk))
        maths = Specialism.objects.get(partnership=partnership, name="Mathematics")
        deployment = proposals.propose_deployment(
            actor=people[Role.BROKER], request=SupportRequest.objects.get(pk=request.pk),
            objectives=[ObjectiveInput(maths, "Teachers plan KS2 maths with confidence", "80% at expected standard")],
            days=Decimal(3), rate_kind="member", day_rate=Decimal(350), funder="school",
            start_date=today - timedelta(days=20), end_date=today + timedelta(days=60))
        processes.decide_deployment(actor=people[Role.APPROVER], deployment=deployment, approve=True, rationale="Yes.")
        processes.confirm_agreement(actor=people[Role.HEADTEACHER], deployment=Deployment.objects.get(pk=deployment.pk))
        processes.confirm_agreement(actor=leader, deployment=Deployment.objects.get(pk=deployment.pk))
        review = Review.objects.filter(deployment=deployment).order_by("due_on").first()
        # Due soon, so it shows among the leader's reviews to write.
        Review.objects.filter(pk=review.pk).update(due_on=today + timedelta(days=5))
        return deployment, review


def test_a_review_is_written_agreed_and_seen(page, live_server, settings):
    settings.MFA_EXEMPT_DEMO_USERS = True
    partnership, people, request = _people(settings)
    deployment, review = _active_deployment(partnership, people, request)
    base, visited = live_server.url, []
    main = page.locator("main")

    def as_role(role):
        page.context.clear_cookies()
        sign_in(page, base, people[role].user)

    as_role(Role.SYSTEM_LEADER)
    check_accessibility(page, visited)
    page.get_by_role("link", name=f"{review.term_label}: Histon and Impington Junior School").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Write the review").click()
    check_accessibility(page, visited)
    page.get_by_role("button", name="Send to the headteacher").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Choose the progress on Mathematics" in summary and "Choose an impact score from 1 to 10" in summary
    check_accessibility(page, visited)
    page.get_by_label("Amber: partly on track").check()
    page.get_by_label("Evidence", exact=True).fill("Book looks show <b>consistent</b> modelling in Years 5 and 6.")
    page.get_by_label("Overall progress").fill("Planning is consistent; outcomes not yet secure.")
    page.get_by_role("group", name="Impact score").get_by_label("6", exact=True).check()
    page.get_by_label("Improved quality of teaching and learning").check()
    page.get_by_label("Improved self-evaluation").check()
    page.get_by_label("Next steps").fill("Moderate Year 6 books with the maths lead.")
    page.get_by_role("button", name="Send to the headteacher").click()
    assert "Review sent to the headteacher to agree." in main.inner_text()
    check_accessibility(page, visited)

    as_role(Role.HEADTEACHER)
    check_accessibility(page, visited)
    page.get_by_role("link", name=f"{review.term_label}: Histon and Impington Junior School").click()
    page.get_by_role("button", name="Agree or return the review").click()
    text = main.inner_text()
    assert "Book looks show <b>consistent</b> modelling" in text and "Improved self-evaluation" in text
    check_accessibility(page, visited)
    page.get_by_label("Yes, agree it: it becomes final").check()
    page.get_by_label("Your comments").fill("Agreed; to governors in January.")
    page.get_by_role("button", name="Send your answer").click()
    assert "Review agreed: it is now final." in main.inner_text()
    assert "This is the final report" in main.inner_text()
    check_accessibility(page, visited)

    as_role(Role.BROKER)
    page.goto(f"{base}/p/{partnership.slug}/deployments/{deployment.pk}/")
    check_accessibility(page, visited)
    assert "Agreed: final" in page.get_by_role("region", name="Termly reviews and the final evaluation").inner_text()
    page.get_by_role("link", name=review.term_label).click()
    assert "Agreed; to governors in January." in main.inner_text()
    check_accessibility(page, visited)
    with scopes_disabled():
        assert Review.objects.get(pk=review.pk).status == ReviewStatus.AGREED
    assert len(visited) >= 10
