"""Brokerage services: offers, proposal, approval, agreement, visits, closing, capacity; each guarded and audited."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from deployments import processes
from deployments.brokerage import offers, proposals
from deployments.brokerage.proposals import ObjectiveInput
from deployments.delivery import capacity, visits
from deployments.models import (
    CapacityEntry,
    Deployment,
    DeploymentStatus,
    Offer,
    OfferStatus,
    RequestStatus,
    SupportRequest,
    Visit,
    VisitStatus,
)
from deployments.workflow import TransitionNotAllowed
from portal.audit.models import AuditEvent
from portal.calendar.schooldays import Period, SchoolCalendar
from portal.errors import DomainError, NotAllowed
from portal.notifications.models import Channel, Notification
from portal.tenancy import services as tenancy_services
from portal.tenancy.roles import Role
from tests.deployments.conftest import make_leader, triaged_request
from tests.factories import make_member


def _events(kind: str) -> list[Notification]:
    with scopes_disabled():
        return list(Notification.objects.filter(event_type=kind, channel=Channel.EMAIL).select_related("recipient"))


def _emails(kind: str) -> list:
    """Deliver the outbox rows of `kind` through the real delivery code; return the messages sent."""
    from portal.notifications.services import deliver_notification

    sent_before = len(mail.outbox)
    for row in _events(kind):
        with scope(partnership=row.partnership_id):
            deliver_notification(notification_id=row.pk)
    return mail.outbox[sent_before:]


def _held(leader) -> Decimal:
    with scopes_disabled():
        return sum(CapacityEntry.objects.filter(leader=leader).values_list("days", flat=True), Decimal(0))


def _propose(b, **overrides):
    today = timezone.localdate()
    values = {"objectives": [ObjectiveInput(b.spec["Mathematics"], "Lift KS2 maths", "80% at expected standard")],
              "days": Decimal(3), "rate_kind": "member", "day_rate": Decimal(350), "funder": "school",
              "start_date": today, "end_date": today + timedelta(days=60), **overrides}
    return proposals.propose_deployment(actor=b.broker, request=b.request, **values)


def _accepted(b):
    with scope(partnership=b.partnership):
        first, second = offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader, b.other_leader])
        processes.accept_offer(actor=b.leader_member, offer=Offer.objects.get(pk=first.pk))
    return first, second


def _active(b):
    _accepted(b)
    with scope(partnership=b.partnership):
        deployment = _propose(b)
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Good fit.")
        processes.confirm_agreement(actor=b.head, deployment=Deployment.objects.get(pk=deployment.pk))
        processes.confirm_agreement(actor=b.leader_member, deployment=Deployment.objects.get(pk=deployment.pk))
        return Deployment.objects.get(pk=deployment.pk)


def test_the_first_acceptance_wins_and_the_other_leaders_are_told(brokerage):
    b = brokerage
    first, second = _accepted(b)
    with scopes_disabled():
        assert Offer.objects.get(pk=first.pk).status == OfferStatus.ACCEPTED
        assert Offer.objects.get(pk=second.pk).status == OfferStatus.WITHDRAWN
        assert SupportRequest.objects.get(pk=b.request.pk).status == RequestStatus.MATCHED
    made = _events("offer.made")
    assert {n.recipient_id for n in made} == {b.leader.user_id, b.other_leader.user_id}
    assert [n.recipient_id for n in _events("offer.accepted")] == [b.broker.user_id]
    assert [n.recipient_id for n in _events("offer.withdrawn")] == [b.other_leader.user_id]
    assert _held(b.leader) == Decimal(3)
    with scope(partnership=b.partnership), pytest.raises(TransitionNotAllowed):
        processes.accept_offer(actor=b.other_leader_member, offer=Offer.objects.get(pk=second.pk))


def test_only_the_leader_offered_can_answer_and_declining_needs_a_reason(brokerage):
    b = brokerage
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader])
        with pytest.raises(NotAllowed):
            processes.accept_offer(actor=b.other_leader_member, offer=offer)
        with pytest.raises(NotAllowed):
            offers.make_offers(actor=b.head, request=b.request, leaders=[b.other_leader])
        with pytest.raises(DomainError, match="already has an open offer"):
            offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader])
        with pytest.raises(DomainError, match="Choose why"):
            offers.decline_offer(actor=b.leader_member, offer=offer, reason="bored")
        with pytest.raises(DomainError, match="Say why"):
            offers.decline_offer(actor=b.leader_member, offer=offer, reason="other", note=" ")
        offers.decline_offer(actor=b.leader_member, offer=offer, reason="no_capacity", note="Full <i>this</i> term")
    [told] = _emails("offer.declined")
    assert told.to == [b.broker.user.email] and "do not have the capacity" in told.body
    html = told.alternatives[0][0]
    assert "&lt;i&gt;this&lt;/i&gt;" in html and "<i>this</i>" not in html
    assert "/p/cambridgeshire/requests/" in told.body


def test_an_excluded_leader_needs_an_override_reason(brokerage):
    b = brokerage
    with scopes_disabled():
        b.other_leader.conflicts = "Governor at Histon and Impington Junior School"
        b.other_leader.save()
    with scope(partnership=b.partnership):
        with pytest.raises(DomainError, match="matching excluded them"):
            offers.make_offers(actor=b.broker, request=b.request, leaders=[b.other_leader])
        [offer] = offers.make_offers(actor=b.broker, request=b.request, leaders=[b.other_leader],
                                     override_reason="The governor role ended last term.")
    assert offer.override_reason == "The governor role ended last term."
    with scopes_disabled():
        assert AuditEvent.objects.get(action="offer.made").note == "The governor role ended last term."


def test_offers_expire_once_and_an_expired_offer_cannot_be_accepted(brokerage):
    b = brokerage
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader])
        Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        with pytest.raises(TransitionNotAllowed, match="expired"):
            processes.accept_offer(actor=b.leader_member, offer=Offer.objects.get(pk=offer.pk))
    assert offers.expire_due_offers() == 1
    assert offers.expire_due_offers() == 0
    with scopes_disabled():
        assert Offer.objects.get(pk=offer.pk).status == OfferStatus.EXPIRED
        assert AuditEvent.objects.filter(action="offer.expired", actor__isnull=True).count() == 1
    assert {n.recipient_id for n in _events("offer.expired")} == {b.broker.user_id, b.leader.user_id}


def test_accepting_beyond_capacity_is_refused_and_nothing_changes(brokerage):
    b = brokerage
    with scopes_disabled():
        b.leader.capacity_days_per_term = Decimal(4)
        b.leader.save()
    _accepted(b)  # holds 3 of 4 days
    second = triaged_request(b.head, b.broker, b.spec, days=Decimal(2), start=b.request.preferred_start)
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=second, leaders=[b.leader], override_reason="")
        with pytest.raises(capacity.CapacityExceeded, match="has 1 of 4 days left"):
            processes.accept_offer(actor=b.leader_member, offer=Offer.objects.get(pk=offer.pk))
        assert Offer.objects.get(pk=offer.pk).status == OfferStatus.OPEN
        assert SupportRequest.objects.get(pk=second.pk).status == RequestStatus.TRIAGED
    assert _held(b.leader) == Decimal(3)


def test_four_eyes_stops_the_proposer_approving_and_approval_commits_the_days(brokerage, admin):
    b = brokerage
    _accepted(b)
    with scope(partnership=b.partnership):
        deployment = _propose(b, days=Decimal("4.5"))
        assert [n.recipient_id for n in _events("deployment.proposed")] == [b.approver.user_id]
        # The proposer later becomes an approver: still not theirs to approve.
        turned = tenancy_services.change_role(actor=admin, membership=b.broker, role=Role.APPROVER)
        with pytest.raises(NotAllowed, match="four-eyes"):
            processes.decide_deployment(actor=turned, deployment=deployment, approve=True, rationale="Mine.")
        with pytest.raises(DomainError, match="rationale"):
            processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale=" ")
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Strong match.")
        saved = Deployment.objects.get(pk=deployment.pk)
        assert saved.status == DeploymentStatus.APPROVED and saved.decided_by == b.approver.user
        assert saved.decision_note == "Strong match." and saved.decided_at is not None
        assert not CapacityEntry.objects.filter(offer__isnull=False).exists()  # the hold became a commitment
    assert _held(b.leader) == Decimal("4.5")
    told = {n.recipient_id for n in _events("deployment.decided")}
    assert {b.head.user_id, b.leader.user_id} <= told  # the proposer is no longer a broker, so not told as one


def test_a_rejected_proposal_sends_the_request_back_to_matching(brokerage):
    b = brokerage
    _accepted(b)
    with scope(partnership=b.partnership):
        deployment = _propose(b)
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=False, rationale="Too costly.")
        assert SupportRequest.objects.get(pk=b.request.pk).status == RequestStatus.TRIAGED
        assert Offer.objects.get(request=b.request, leader=b.leader).status == OfferStatus.RELEASED
        # The broker can look again, even at the same leader.
        offers.make_offers(actor=b.broker, request=SupportRequest.objects.get(pk=b.request.pk), leaders=[b.leader])
    assert _held(b.leader) == 0


def test_proposals_are_checked(brokerage):
    b = brokerage
    with scope(partnership=b.partnership), pytest.raises(TransitionNotAllowed, match="once a system leader has accepted"):
        _propose(b)
    _accepted(b)
    with scope(partnership=b.partnership):
        with pytest.raises(DomainError, match="whole or half days"):
            _propose(b, days=Decimal("1.3"))
        with pytest.raises(DomainError, match="end date"):
            _propose(b, end_date=timezone.localdate() - timedelta(days=1))
        with pytest.raises(DomainError, match="at least one objective"):
            _propose(b, objectives=[])
        _propose(b)
        with pytest.raises(TransitionNotAllowed, match="already has a deployment"):
            _propose(b)


def test_the_agreement_needs_both_sides_and_then_the_work_starts(brokerage):
    b = brokerage
    _accepted(b)
    with scope(partnership=b.partnership):
        deployment = _propose(b)
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Yes.")
        with pytest.raises(NotAllowed):
            processes.confirm_agreement(actor=b.other_leader_member, deployment=deployment)
        processes.confirm_agreement(actor=b.head, deployment=deployment)
        assert Deployment.objects.get(pk=deployment.pk).status == DeploymentStatus.APPROVED
        with pytest.raises(TransitionNotAllowed, match="already confirmed"):
            processes.confirm_agreement(actor=b.head, deployment=deployment)
        processes.confirm_agreement(actor=b.leader_member, deployment=deployment)
        assert Deployment.objects.get(pk=deployment.pk).status == DeploymentStatus.ACTIVE
        assert AuditEvent.objects.filter(action__startswith="deployment.confirmed_by_").count() == 2
    assert len({n.recipient_id for n in _events("deployment.agreed")}) == 3


def test_visits_are_checked_confirmed_disputed_and_settled(brokerage):
    b = brokerage
    deployment = _active(b)
    today = timezone.localdate()
    with scope(partnership=b.partnership):
        with pytest.raises(DomainError, match="on or after the day"):
            visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=today + timedelta(days=1),
                               days=Decimal(1), focus="Maths")
        with pytest.raises(NotAllowed):
            visits.log_visit(actor=b.other_leader_member, deployment=deployment, visit_date=today, days=Decimal(1),
                               focus="Maths")
        visit = visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=today, days=Decimal(1),
                                   focus="Year 6 <script>maths</script>")
        with pytest.raises(DomainError, match="already logged"):
            visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=today, days=Decimal("0.5"),
                               focus="Again")
        Deployment.objects.filter(pk=deployment.pk).update(start_date=today - timedelta(days=30))
        deployment.start_date = today - timedelta(days=30)
        second = visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=today - timedelta(days=1),
                                    days=Decimal(1), focus="Coaching")
        with pytest.raises(DomainError, match="whole day or a half day"):
            visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=today - timedelta(days=2),
                               days=Decimal(2), focus="Too much")
        visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=today - timedelta(days=2),
                           days=Decimal("0.5"), focus="Short")
        with pytest.raises(DomainError, match="go past the agreement"):
            visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=today - timedelta(days=3),
                               days=Decimal(1), focus="Too much")
        visits.answer_visit(actor=b.head, visit=Visit.objects.get(pk=visit.pk), confirm=True)
        with pytest.raises(DomainError, match="Say what does not match"):
            visits.answer_visit(actor=b.head, visit=Visit.objects.get(pk=second.pk), confirm=False)
        visits.answer_visit(actor=b.head, visit=Visit.objects.get(pk=second.pk), confirm=False, reason="Not in school")
        with pytest.raises(NotAllowed):
            visits.resolve_dispute(actor=b.head, visit=Visit.objects.get(pk=second.pk), uphold=True, note="x")
        visits.resolve_dispute(actor=b.broker, visit=Visit.objects.get(pk=second.pk), uphold=False, note="Agreed.")
        assert Visit.objects.get(pk=second.pk).status == VisitStatus.REMOVED
    logged = next(m for m in _emails("visit.logged") if "Year 6" in m.body)
    assert logged.to == [b.head.user.email] and "Year 6 <script>maths</script>" in logged.body
    assert "&lt;script&gt;" in logged.alternatives[0][0] and "<script>" not in logged.alternatives[0][0]
    disputed = [n.recipient_id for n in _events("visit.answered") if "disputed" in n.title]
    assert sorted(disputed) == sorted([b.leader.user_id, b.broker.user_id])


def test_a_paused_deployment_is_read_only_and_completion_trims_the_ledger(brokerage):
    b = brokerage
    deployment = _active(b)
    today = timezone.localdate()
    with scope(partnership=b.partnership):
        visit = visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=today, days=Decimal(1),
                                   focus="Maths")
        with pytest.raises(DomainError, match="Say why"):
            processes.pause_deployment(actor=b.broker, deployment=deployment, reason="")
        processes.pause_deployment(actor=b.broker, deployment=deployment, reason="Ofsted visit this week")
        with pytest.raises(TransitionNotAllowed, match="paused"):
            visits.log_visit(actor=b.leader_member, deployment=Deployment.objects.get(pk=deployment.pk),
                               visit_date=today - timedelta(days=1), days=Decimal(1), focus="Maths")
        with pytest.raises(TransitionNotAllowed, match="paused"):
            visits.answer_visit(actor=b.head, visit=Visit.objects.get(pk=visit.pk), confirm=True)
        with pytest.raises(TransitionNotAllowed):
            processes.complete_deployment(actor=b.broker, deployment=deployment, summary="Done")
        processes.resume_deployment(actor=b.broker, deployment=deployment)
        with pytest.raises(DomainError, match="1 visit still waits"):
            processes.complete_deployment(actor=b.broker, deployment=deployment, summary="Done")
        visits.answer_visit(actor=b.head, visit=Visit.objects.get(pk=visit.pk), confirm=True)
        with pytest.raises(DomainError, match="closing summary"):
            processes.complete_deployment(actor=b.broker, deployment=deployment, summary=" ")
        processes.complete_deployment(actor=b.broker, deployment=deployment, summary="Maths lessons are now good.")
        saved = Deployment.objects.get(pk=deployment.pk)
        assert saved.status == DeploymentStatus.COMPLETED and saved.closing_summary and saved.closed_at
        actions = list(AuditEvent.objects.filter(object_id=str(deployment.pk), object_type__model="deployment")
                       .order_by("created_at", "id").values_list("action", flat=True))
        assert actions[-3:] == ["deployment.paused", "deployment.active", "deployment.completed"]
    assert _held(b.leader) == Decimal(1)  # 3 committed, 1 delivered: the other 2 go back
    assert len([n for n in _events("deployment.status_changed")]) == 3 * 3  # pause, resume, complete x 3 people


def test_a_withdrawn_request_closes_offers_and_cancels_a_deployment_not_yet_started(brokerage):
    b = brokerage
    _accepted(b)
    with scope(partnership=b.partnership):
        deployment = _propose(b)
        processes.withdraw_request(actor=b.head, request=SupportRequest.objects.get(pk=b.request.pk), reason="New head")
        assert Deployment.objects.get(pk=deployment.pk).status == DeploymentStatus.CANCELLED
        assert Offer.objects.get(request=b.request, leader=b.leader).status == OfferStatus.RELEASED
    assert _held(b.leader) == 0


def test_a_request_cannot_be_withdrawn_once_the_work_has_started(brokerage):
    b = brokerage
    deployment = _active(b)
    with scope(partnership=b.partnership):
        with pytest.raises(TransitionNotAllowed, match="support has started"):
            processes.withdraw_request(actor=b.head, request=SupportRequest.objects.get(pk=b.request.pk))
        assert Deployment.objects.get(pk=deployment.pk).status == DeploymentStatus.ACTIVE
        assert SupportRequest.objects.get(pk=b.request.pk).status == RequestStatus.MATCHED


def test_a_request_whose_support_has_finished_cannot_be_withdrawn_or_proposed_again(brokerage, client):
    b = brokerage
    deployment = _active(b)
    with scope(partnership=b.partnership):
        processes.stop_deployment(actor=b.broker, deployment=deployment, reason="The head left.")
        with pytest.raises(TransitionNotAllowed, match="has finished"):
            processes.withdraw_request(actor=b.head, request=SupportRequest.objects.get(pk=b.request.pk))
        assert SupportRequest.objects.get(pk=b.request.pk).status == RequestStatus.MATCHED
    from deployments.brokerage.selectors import awaiting_proposal

    with scope(partnership=b.partnership):
        assert list(awaiting_proposal(membership=b.broker)) == []
    for member, absent in ((b.head, "Withdraw this request"), (b.broker, "Propose the deployment")):
        client.force_login(member.user)
        page = client.get(f"/p/{b.partnership.slug}/requests/{b.request.pk}/").content.decode()
        assert absent not in page


def test_matching_counts_days_left_this_term_and_past_outcomes(brokerage):
    from deployments.brokerage.matching import rank_for_request

    b = brokerage
    with scopes_disabled():
        b.leader.capacity_days_per_term = Decimal(3)
        b.leader.save()
    with scope(partnership=b.partnership):
        before = {c.leader.pk: c for c in rank_for_request(b.request)[0]}
        assert "3 days left this term for 3 asked" in before[b.leader.pk].why
        CapacityEntry.objects.create(partnership=b.partnership, leader=b.leader, days=3, offer=Offer.objects.create(
            partnership=b.partnership, request=b.request, leader=b.leader, offered_by=b.broker.user,
            expires_at=timezone.now(), status=OfferStatus.DECLINED),
            term_key=SchoolCalendar([]).term_for(timezone.localdate()).key)
        ranked, excluded = rank_for_request(b.request)
        assert b.leader.pk not in {c.leader.pk for c in ranked}
        assert "no days left this term" in {c.leader.pk: c for c in excluded}[b.leader.pk].why_not


# Terms and splitting days: pure functions over a calendar.

AUTUMN = Period("2026-27", "term", "autumn", "Autumn term", date(2026, 9, 3), date(2026, 12, 18))
SPRING = Period("2026-27", "term", "spring", "Spring term", date(2027, 1, 5), date(2027, 3, 26))
SUMMER = Period("2026-27", "term", "summer", "Summer term", date(2027, 4, 12), date(2027, 7, 21))


def test_a_holiday_counts_against_the_next_term_and_gaps_fall_back_to_the_usual_shape():
    terms = SchoolCalendar([AUTUMN, SPRING, SUMMER])
    assert terms.term_for(date(2026, 12, 28)).key == "2026-27 spring"
    assert terms.term_for(date(2027, 4, 1)).key == "2026-27 summer"
    assert terms.term_for(date(2027, 8, 10)).key == "2027-28 autumn"  # summer holiday: next year's autumn
    assert terms.term_for(date(2027, 8, 10)).start == date(2027, 9, 1)  # no 2027-28 calendar: the usual shape
    assert terms.term_for(date(2026, 10, 1)).label == "Autumn term 2026"


def test_days_spread_over_terms_by_weekdays_in_half_days_and_add_up():
    terms = SchoolCalendar([AUTUMN, SPRING, SUMMER])
    split = capacity.split_days(Decimal(5), date(2026, 12, 7), date(2027, 1, 29), terms)
    assert sum(split.values()) == Decimal(5)
    assert all((days * 2) % 1 == 0 for days in split.values())
    assert [t.key for t in split] == ["2026-27 autumn", "2026-27 spring"]
    assert split[terms.term_for(date(2027, 1, 10))] > split[terms.term_for(date(2026, 12, 10))]
    weekend = capacity.split_days(Decimal(1), date(2026, 10, 3), date(2026, 10, 4), terms)
    assert list(weekend.values()) == [Decimal(1)]


@pytest.mark.parametrize("days", ["0.5", "1", "2.5", "7", "19.5"])
def test_splitting_never_loses_or_invents_a_half_day(days):
    terms = SchoolCalendar([AUTUMN, SPRING, SUMMER])
    split = capacity.split_days(Decimal(days), date(2026, 11, 2), date(2027, 5, 28), terms)
    assert sum(split.values()) == Decimal(days)


def test_a_leader_on_another_partnership_cannot_be_offered(brokerage, other_partnership):
    b = brokerage
    with scopes_disabled():
        theirs = make_leader(other_partnership, "Zed Other", b.leader.home_school)
    with scope(partnership=b.partnership), pytest.raises(NotAllowed):
        offers.make_offers(actor=b.broker, request=b.request, leaders=[theirs])


def test_without_an_assigned_broker_every_broker_is_told(brokerage):
    b = brokerage
    extra = make_member(b.partnership, Role.BROKER)
    with scopes_disabled():
        SupportRequest.objects.filter(pk=b.request.pk).update(assigned_broker=None)
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=SupportRequest.objects.get(pk=b.request.pk),
                                     leaders=[b.leader])
        offers.decline_offer(actor=b.leader_member, offer=Offer.objects.get(pk=offer.pk), reason="conflict")
    assert {n.recipient_id for n in _events("offer.declined")} == {b.broker.user_id, extra.user_id}
    assert sorted(m.to[0] for m in _emails("offer.declined")) == sorted([b.broker.user.email, extra.user.email])
