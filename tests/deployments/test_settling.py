"""Doing a task marks read the in-app notifications that asked for it (the headteacher's badge drops).

Each test drives the real services to the notification, does the task, and counts what is still unread."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from alliances.models import SystemLeader
from alliances.services import save_system_leader
from deployments import processes
from deployments.brokerage import offers
from deployments.delivery import visits
from deployments.models import Deployment, Offer, Review, SupportRequest, Visit
from deployments.requests import services as requests
from deployments.reviews import services as reviews
from portal.notifications.models import Channel, Notification
from portal.notifications.reading import settle
from portal.notifications.services import notify
from tests.deployments.conftest import accepted, active, propose
from tests.deployments.requests.conftest import complete_draft
from tests.deployments.reviews.conftest import write_as_leader
from tests.factories import default_specialisms


def unread(user, event_type: str, subject: str | None = None) -> int:
    with scopes_disabled():
        rows = Notification.objects.filter(recipient=user, event_type=event_type, channel=Channel.IN_APP,
                                           read_at__isnull=True)
        if subject is not None:
            rows = rows.filter(subject=subject)
        return rows.count()


def test_a_notification_knows_its_subject_and_settle_marks_only_that_subjects_unread_rows(partnership, broker):
    with scope(partnership=partnership):
        notify(partnership=partnership, event_type="request.submitted", recipients=[broker.user],
               occurrence="request:7:submitted", context={"subject": "x"})
        notify(partnership=partnership, event_type="request.submitted", recipients=[broker.user],
               occurrence="request:8:submitted", context={"subject": "x"})
        assert settle(partnership=partnership, subject="request:7", event_types=["request.withdrawn"]) == 0
        assert settle(partnership=partnership, subject="request:7", event_types=["request.submitted"]) == 1
    assert unread(broker.user, "request.submitted", "request:7") == 0
    assert unread(broker.user, "request.submitted", "request:8") == 1
    with scopes_disabled():  # the email copy has no read state to change
        assert Notification.objects.get(subject="request:7", channel=Channel.EMAIL).read_at is None


def test_triaging_a_request_settles_every_brokers_request_submitted(partnership, headteacher, broker):
    draft = complete_draft(headteacher, default_specialisms(partnership))
    with scope(partnership=partnership):
        requests.submit_request(actor=headteacher, request=draft)
        assert unread(broker.user, "request.submitted") == 1
        requests.triage_request(actor=broker, request=SupportRequest.objects.get(pk=draft.pk), eligible=True,
                                note="Fits", support_level="targeted", assigned_broker=broker.user)
    assert unread(broker.user, "request.submitted") == 0
    assert unread(headteacher.user, "request.triaged") == 1  # news, not a task: it stays until read


def test_answering_an_offer_settles_it_and_the_offers_withdrawn_by_the_acceptance(brokerage):
    b = brokerage
    assert unread(b.leader_member.user, "offer.made") == 0
    first, second = accepted(b)
    assert unread(b.leader_member.user, "offer.made", f"offer:{first.pk}") == 0
    assert unread(b.other_leader_member.user, "offer.made", f"offer:{second.pk}") == 0  # withdrawn: nothing to do


def test_declining_an_offer_settles_it(brokerage):
    b = brokerage
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader])
        assert unread(b.leader_member.user, "offer.made") == 1
        offers.decline_offer(actor=b.leader_member, offer=Offer.objects.get(pk=offer.pk), reason="no_capacity")
    assert unread(b.leader_member.user, "offer.made") == 0
    assert unread(b.broker.user, "offer.declined") == 1


def test_proposing_settles_the_acceptance_and_deciding_settles_the_proposal(brokerage):
    b = brokerage
    first, _ = accepted(b)
    assert unread(b.broker.user, "offer.accepted", f"offer:{first.pk}") == 1
    with scope(partnership=b.partnership):
        deployment = propose(b)
        assert unread(b.broker.user, "offer.accepted") == 0
        assert unread(b.approver.user, "deployment.proposed") == 1
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Good fit.")
    assert unread(b.approver.user, "deployment.proposed") == 0


def test_each_side_confirming_the_agreement_settles_their_own_copy_of_the_approval(brokerage):
    b = brokerage
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b)
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Good fit.")
        subject = f"deployment:{deployment.pk}"
        assert unread(b.head.user, "deployment.decided", subject) == 1
        processes.confirm_agreement(actor=b.head, deployment=Deployment.objects.get(pk=deployment.pk))
        assert unread(b.head.user, "deployment.decided", subject) == 0
        assert unread(b.leader_member.user, "deployment.decided", subject) == 1  # still theirs to do
        processes.confirm_agreement(actor=b.leader_member, deployment=Deployment.objects.get(pk=deployment.pk))
    assert unread(b.leader_member.user, "deployment.decided", subject) == 0
    assert unread(b.broker.user, "deployment.decided", subject) == 0  # the work started: nothing left to wait for


def test_confirming_a_visit_settles_visit_logged_and_resolving_a_dispute_settles_visit_answered(brokerage):
    b = brokerage
    today = timezone.localdate()
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b, start_date=today - timedelta(days=7))
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Good fit.")
        processes.confirm_agreement(actor=b.head, deployment=Deployment.objects.get(pk=deployment.pk))
        processes.confirm_agreement(actor=b.leader_member, deployment=Deployment.objects.get(pk=deployment.pk))
        deployment = Deployment.objects.get(pk=deployment.pk)
        first = visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=today, days=Decimal("0.5"),
                                 focus="Maths")
        second = visits.log_visit(actor=b.leader_member, deployment=Deployment.objects.get(pk=deployment.pk),
                                  visit_date=today - timedelta(days=1), days=Decimal("0.5"), focus="Science")
        assert unread(b.head.user, "visit.logged") == 2
        visits.answer_visit(actor=b.head, visit=Visit.objects.get(pk=first.pk), confirm=True)
        assert unread(b.head.user, "visit.logged") == 1
        visits.answer_visit(actor=b.head, visit=Visit.objects.get(pk=second.pk), confirm=False, reason="Not in")
        assert unread(b.head.user, "visit.logged") == 0
        assert unread(b.broker.user, "visit.answered", f"visit:{second.pk}") == 1
        visits.resolve_dispute(actor=b.broker, visit=Visit.objects.get(pk=second.pk), uphold=False, note="Agreed.")
    assert unread(b.broker.user, "visit.answered", f"visit:{second.pk}") == 0


def test_sending_returning_and_agreeing_a_review_settle_what_asked_for_each(brokerage):
    b = brokerage
    deployment = active(b)
    with scopes_disabled():
        review = Review.objects.filter(deployment=deployment).first()
    subject = f"review:{review.pk}"
    with scope(partnership=b.partnership):
        notify(partnership=b.partnership, event_type="review.reminder", recipients=[b.leader_member.user],
               occurrence=f"{subject}:in_7", context={"subject": "Due in a week"})
    write_as_leader(b, review)
    assert unread(b.leader_member.user, "review.reminder", subject) == 0
    assert unread(b.head.user, "review.submitted", subject) == 1
    with scope(partnership=b.partnership):
        reviews.answer_review(actor=b.head, review=Review.objects.get(pk=review.pk), agree=False, comments="More.")
    assert unread(b.head.user, "review.submitted", subject) == 0
    assert unread(b.leader_member.user, "review.answered", subject) == 1
    write_as_leader(b, review)
    assert unread(b.leader_member.user, "review.answered", subject) == 0
    with scope(partnership=b.partnership):
        reviews.answer_review(actor=b.head, review=Review.objects.get(pk=review.pk), agree=True, comments="Yes.")
    assert unread(b.head.user, "review.submitted", subject) == 0


def test_renewing_a_designation_settles_its_reminder_but_a_phone_change_does_not(brokerage):
    b = brokerage
    subject = f"leader:{b.leader.pk}"
    with scope(partnership=b.partnership):
        notify(partnership=b.partnership, event_type="leader.designation_due", recipients=[b.broker.user],
               occurrence=f"{subject}:designation:20270901", context={"subject": "Due"})
        leader = SystemLeader.objects.get(pk=b.leader.pk)
        save_system_leader(actor=b.broker, leader=leader, specialisms=[b.spec["Mathematics"]], phone="01223 000000")
        assert unread(b.broker.user, "leader.designation_due", subject) == 1
        save_system_leader(actor=b.broker, leader=SystemLeader.objects.get(pk=b.leader.pk),
                           specialisms=[b.spec["Mathematics"]], review_due=leader.review_due + timedelta(days=4 * 365))
    assert unread(b.broker.user, "leader.designation_due", subject) == 0
