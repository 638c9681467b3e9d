"""A deployment's life: four-eyes approval, the agreement both sides confirm, pause, resume and completion."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scope

from deployments import processes
from deployments.brokerage import offers
from deployments.delivery import visits
from deployments.models import (
    CapacityEntry,
    Deployment,
    DeploymentStatus,
    Offer,
    OfferStatus,
    RequestStatus,
    SupportRequest,
    Visit,
)
from deployments.workflow import TransitionNotAllowed
from portal.audit.models import AuditEvent
from portal.errors import DomainError, NotAllowed
from portal.tenancy import services as tenancy_services
from portal.tenancy.roles import Role
from tests.deployments.conftest import accepted, active, email_rows, held_days, propose, school_day


def test_four_eyes_stops_the_proposer_approving_and_approval_commits_the_days(brokerage, admin):
    b = brokerage
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b, days=Decimal("4.5"))
        assert [n.recipient_id for n in email_rows("deployment.proposed")] == [b.approver.user_id]
        # The proposer later becomes an approver: still not theirs to approve.
        turned = tenancy_services.change_role(actor=admin, membership=b.broker, role=Role.APPROVER)
        with pytest.raises(NotAllowed, match="four-eyes"):
            processes.decide_deployment(actor=turned, deployment=deployment, approve=True, rationale="Mine.")
        with pytest.raises(DomainError, match="rationale"):
            processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale=" ")
        # Until the decision, the accepted offer holds the request's 3 days.
        assert list(CapacityEntry.objects.filter(offer__isnull=False).values_list("days", flat=True)) == [3]
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Strong match.")
        saved = Deployment.objects.get(pk=deployment.pk)
        assert saved.status == DeploymentStatus.APPROVED and saved.decided_by == b.approver.user
        assert saved.decision_note == "Strong match." and saved.decided_at is not None
        assert not CapacityEntry.objects.filter(offer__isnull=False).exists()  # the hold became a commitment
    assert held_days(b.leader) == Decimal("4.5")
    told = {n.recipient_id for n in email_rows("deployment.decided")}
    assert {b.head.user_id, b.leader.user_id} <= told  # the proposer is no longer a broker, so not told as one


def test_a_rejected_proposal_sends_the_request_back_to_matching(brokerage):
    b = brokerage
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b)
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=False, rationale="Too costly.")
        assert SupportRequest.objects.get(pk=b.request.pk).status == RequestStatus.TRIAGED
        assert Offer.objects.get(request=b.request, leader=b.leader).status == OfferStatus.RELEASED
        # The broker can look again, even at the same leader.
        offers.make_offers(actor=b.broker, request=SupportRequest.objects.get(pk=b.request.pk), leaders=[b.leader])
    assert held_days(b.leader) == 0


def test_the_agreement_needs_both_sides_and_then_the_work_starts(brokerage):
    b = brokerage
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b)
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
    assert len({n.recipient_id for n in email_rows("deployment.agreed")}) == 3


def test_a_paused_deployment_is_read_only_and_completion_trims_the_ledger(brokerage):
    b = brokerage
    deployment = active(b)
    with scope(partnership=b.partnership):
        visit = visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=school_day(), days=Decimal(1),
                                   focus="Maths")
        with pytest.raises(DomainError, match="Say why"):
            processes.pause_deployment(actor=b.broker, deployment=deployment, reason="")
        processes.pause_deployment(actor=b.broker, deployment=deployment, reason="Ofsted visit this week")
        with pytest.raises(TransitionNotAllowed, match="paused"):
            visits.log_visit(actor=b.leader_member, deployment=Deployment.objects.get(pk=deployment.pk),
                               visit_date=school_day(1), days=Decimal(1), focus="Maths")
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
    assert held_days(b.leader) == Decimal(1)  # 3 committed, 1 delivered: the other 2 go back
    assert len([n for n in email_rows("deployment.status_changed")]) == 3 * 3  # pause, resume, complete x 3 people
