"""Brokerage pages: each role's forms end to end through the views, clear errors, and fixed query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from deployments.brokerage import offers
from deployments.delivery import visits
from deployments.models import Deployment, DeploymentStatus, Offer, OfferStatus, Visit, VisitStatus
from tests.deployments.conftest import count_and_parse, count_queries, deployment_for, school_day, triaged_request
from tests.pages import done, list_after, table_rows


def _d(value) -> str:
    return value.strftime("%d/%m/%Y")


def test_the_whole_journey_through_the_pages(client, brokerage, admin):
    b = brokerage
    slug = b.partnership.slug
    base = f"/p/{slug}"
    request_page = f"{base}/requests/{b.request.pk}/"
    # Broker offers from the candidates page; an empty choice is an error on the same page.
    client.force_login(b.broker.user)
    page = client.get(f"{base}/requests/{b.request.pk}/candidates/").content.decode()
    assert "Amy Best" in page and "Offer to the selected leaders" in page
    empty = client.post(f"{base}/requests/{b.request.pk}/offer/", {})
    assert empty.status_code == 200 and "Select at least one system leader" in empty.content.decode()
    response = client.post(f"{base}/requests/{b.request.pk}/offer/", {"leaders": [b.leader.pk, b.other_leader.pk]},
                           follow=True)
    done(response, request_page, "Offered to Amy Best, Ben Second.")
    with scopes_disabled():
        offer = Offer.objects.get(request=b.request, leader=b.leader)
    # The leader sees the offer, the request's context (escaped) and their capacity; then accepts.
    client.force_login(b.leader_member.user)
    page = client.get(f"{base}/offers/{offer.pk}/").content.decode()
    assert "Maths results fell &lt;b&gt;sharply&lt;/b&gt;." in page and "Your capacity" in page
    assert client.get(f"{base}/").content.decode().count(f"/offers/{offer.pk}/") == 1
    accepted = client.post(f"{base}/offers/{offer.pk}/", {"action": "accept"}, follow=True)
    done(accepted, f"{base}/offers/{offer.pk}/", f"You accepted {b.request.reference}.")
    # The other leader can no longer accept theirs.
    client.force_login(b.other_leader_member.user)
    with scopes_disabled():
        other = Offer.objects.get(request=b.request, leader=b.other_leader)
    assert other.status == OfferStatus.WITHDRAWN
    assert client.get(f"{base}/offers/{offer.pk}/").status_code == 404  # not theirs to see
    # The broker proposes; a bad form keeps what was typed and says what is wrong.
    client.force_login(b.broker.user)
    today = timezone.localdate()
    form = {"objective_1_area": b.spec["Mathematics"].pk, "objective_1_description": "Lift KS2 maths",
            "objective_1_success": "80% at the expected standard", "days": "3", "rate_kind": "member",
            "day_rate": "350", "funder": "school", "start_date": _d(today), "end_date": _d(today - timedelta(days=1))}
    bad = client.post(f"{base}/requests/{b.request.pk}/propose/", {**form, "objective_2_area": b.spec["Science"].pk})
    text = bad.content.decode()
    assert bad.status_code == 200 and "The end date must be on or after the start date" in text
    assert "Complete objective 2, or leave all of it empty" in text and "Lift KS2 maths" in text
    form["end_date"] = _d(today + timedelta(days=40))
    response = client.post(f"{base}/requests/{b.request.pk}/propose/", form, follow=True)
    with scopes_disabled():
        deployment = Deployment.objects.get(request=b.request)
    deployment_page = f"{base}/deployments/{deployment.pk}/"
    done(response, deployment_page, f"Deployment {deployment.reference} is proposed.")
    # The approver decides with a rationale.
    client.force_login(b.approver.user)
    assert f"/deployments/{deployment.pk}/" in client.get(f"{base}/").content.decode()
    no_reason = client.post(f"{base}/deployments/{deployment.pk}/decide/", {"decision": "approve"})
    assert "Give the rationale for your decision" in no_reason.content.decode()
    decided = client.post(f"{base}/deployments/{deployment.pk}/decide/",
                          {"decision": "approve", "rationale": "Strong fit."}, follow=True)
    done(decided, deployment_page, f"Deployment {deployment.reference} is approved")
    # Both sides confirm; the printable agreement is the record.
    for member, says in ((b.head, "It starts once the other side confirms too."),
                         (b.leader_member, "Both sides have now confirmed, so the work can start.")):
        client.force_login(member.user)
        assert "Confirm the agreement" in client.get(f"{base}/deployments/{deployment.pk}/").content.decode()
        done(client.post(f"{base}/deployments/{deployment.pk}/confirm/", follow=True), deployment_page, says)
    agreement = client.get(f"{base}/deployments/{deployment.pk}/agreement/").content.decode()
    assert "Lift KS2 maths" in agreement and "£1,050.00 in all" in agreement and "Strong fit." in agreement
    # The leader logs a visit; the head disputes with a reason; the broker settles it.
    visit_form = {"visit_date": _d(school_day()), "days": "1.0", "focus": "Maths <em>coaching</em>"}
    logged = client.post(f"{base}/deployments/{deployment.pk}/visits/new/", visit_form, follow=True)
    done(logged, deployment_page, "Visit logged.")
    with scopes_disabled():
        visit = Visit.objects.get(deployment=deployment)
    client.force_login(b.head.user)
    assert f"/visits/{visit.pk}/answer/" in client.get(f"{base}/").content.decode()
    missing = client.post(f"{base}/visits/{visit.pk}/answer/", {"decision": "dispute"})
    assert "Say what does not match" in missing.content.decode()
    disputed = client.post(f"{base}/visits/{visit.pk}/answer/", {"decision": "dispute", "reason": "Only a morning"},
                           follow=True)
    done(disputed, deployment_page, "Visit disputed.")
    client.force_login(b.broker.user)
    assert f"/visits/{visit.pk}/resolve/" in client.get(f"{base}/").content.decode()
    settled = client.post(f"{base}/visits/{visit.pk}/resolve/", {"decision": "uphold", "note": "Checked the sign-in book."},
                          follow=True)
    done(settled, deployment_page, "Dispute settled.")
    page = client.get(f"{base}/deployments/{deployment.pk}/").content.decode()
    assert "Maths &lt;em&gt;coaching&lt;/em&gt;" in page and "Disputed visit upheld by the broker" in page
    # Pause, resume, complete with a summary.
    paused = client.post(f"{base}/deployments/{deployment.pk}/pause/", {"note": "Ofsted week"}, follow=True)
    done(paused, deployment_page, f"Deployment {deployment.reference} is paused.")
    assert "Paused: nothing can be logged" in client.get(f"{base}/deployments/{deployment.pk}/").content.decode()
    resumed = client.post(f"{base}/deployments/{deployment.pk}/resume/", {"note": ""}, follow=True)
    done(resumed, deployment_page, f"Deployment {deployment.reference} is under way.")
    assert "Enter closing summary" in client.post(f"{base}/deployments/{deployment.pk}/complete/", {"note": ""}
                                                  ).content.decode()
    completed = client.post(f"{base}/deployments/{deployment.pk}/complete/", {"note": "Maths teaching is now good."},
                            follow=True)
    done(completed, deployment_page, f"Deployment {deployment.reference} is completed.")
    with scopes_disabled():
        assert Deployment.objects.get(pk=deployment.pk).status == DeploymentStatus.COMPLETED
        assert Visit.objects.get(pk=visit.pk).status == VisitStatus.CONFIRMED
    timeline = client.get(request_page).content.decode()
    for words in ("Offered to a system leader", "Offer accepted", "Deployment proposed", "Deployment approved",
                  "Agreement in force", "Deployment paused", "Deployment resumed", "Deployment completed"):
        assert words in timeline, words


def test_a_decline_form_error_is_shown_and_nothing_changes(client, brokerage):
    b = brokerage
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader])
    client.force_login(b.leader_member.user)
    response = client.post(f"/p/{b.partnership.slug}/offers/{offer.pk}/decline/", {"reason": "other"})
    assert response.status_code == 200 and "Say why you are declining" in response.content.decode()
    with scopes_disabled():
        assert Offer.objects.get(pk=offer.pk).status == OfferStatus.OPEN


def test_a_tampered_leader_id_is_a_form_error(client, brokerage, other_partnership):
    b = brokerage
    client.force_login(b.broker.user)
    response = client.post(f"/p/{b.partnership.slug}/requests/{b.request.pk}/offer/", {"leaders": ["999999", "x"]})
    assert response.status_code == 200 and "Select system leaders from the list" in response.content.decode()


def test_brokerage_pages_use_the_same_queries_with_more_data(client, brokerage):
    from django.db.models import F

    from alliances.models import SystemLeader

    b = brokerage
    with scopes_disabled():
        SystemLeader.objects.filter(pk=b.leader.pk).update(capacity_days_per_term=F("capacity_days_per_term") + 200)
    first = deployment_for(b, b.request)
    with scopes_disabled():
        visit = Visit.objects.get(deployment=first)
        offer = Offer.objects.filter(leader=b.leader).first()
    base = f"/p/{b.partnership.slug}"
    pages = [
        (f"{base}/deployments/", b.broker.user), (f"{base}/deployments/", b.head.user),
        (f"{base}/deployments/", b.leader_member.user), (f"{base}/deployments/{first.pk}/", b.broker.user),
        (f"{base}/deployments/{first.pk}/", b.head.user), (f"{base}/deployments/{first.pk}/agreement/", b.head.user),
        (f"{base}/offers/", b.leader_member.user), (f"{base}/offers/{offer.pk}/", b.leader_member.user),
        (f"{base}/visits/{visit.pk}/answer/", b.head.user), (f"{base}/requests/{b.request.pk}/", b.broker.user),
        (f"{base}/", b.head.user), (f"{base}/", b.leader_member.user), (f"{base}/", b.broker.user),
        (f"{base}/", b.approver.user), (f"{base}/requests/{b.request.pk}/candidates/", b.broker.user),
    ]
    for url, user in pages:  # each home's first visit is recorded (an UPDATE), not the next minute's
        if url == f"{base}/":
            count_queries(client, url, user)
    small = [count_queries(client, url, user) for url, user in pages]
    for _ in range(6):
        more = deployment_for(b, triaged_request(b.head, b.broker, b.spec, start=timezone.localdate()))
        with scope(partnership=b.partnership):
            visits.log_visit(actor=b.leader_member, deployment=more, visit_date=school_day(1),
                               days=Decimal("0.5"), focus="More")
        deployment_for(b, triaged_request(b.head, b.broker, b.spec, start=timezone.localdate()), approve=False)
    large, shown = zip(*(count_and_parse(client, url, user) for url, user in pages), strict=True)
    assert small == list(large), list(zip([u for u, _ in pages], small, large, strict=True))
    # And the pages show the larger data: 13 deployments (the first, 6 more under way and 6 waiting for approval),
    # 13 accepted offers, 13 visits for the head to confirm (the first's, and two for each of 6 more; the home page
    # lists ten).
    for lists in (shown[0], shown[1], shown[2]):  # the broker's, the head's and the leader's deployments
        assert len(table_rows(lists, "Deployments, newest first")) == 13
    assert [row[-1] for row in table_rows(shown[6], "Offers you have answered")] == ["Accepted"] * 13
    assert len(list_after(shown[10], "Visits to confirm")) == 10
    assert len(table_rows(shown[13], "Proposed deployments waiting for a decision")) == 6
    assert shown[12].find("h2", string="Proposed, waiting for approval (6)") is not None
