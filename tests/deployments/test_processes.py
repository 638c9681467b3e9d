"""Processes that reach across requests, offers and deployments: withdrawing a request at each stage."""

from __future__ import annotations

import pytest
from django_scopes import scope

from deployments import processes
from deployments.models import Deployment, DeploymentStatus, Offer, OfferStatus, RequestStatus, SupportRequest
from deployments.workflow import TransitionNotAllowed
from tests.deployments.conftest import accepted, active, held_days, propose
from tests.pages import parsed


def test_a_withdrawn_request_closes_offers_and_cancels_a_deployment_not_yet_started(brokerage):
    b = brokerage
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b)
        processes.withdraw_request(actor=b.head, request=SupportRequest.objects.get(pk=b.request.pk), reason="New head")
        assert Deployment.objects.get(pk=deployment.pk).status == DeploymentStatus.CANCELLED
        assert Offer.objects.get(request=b.request, leader=b.leader).status == OfferStatus.RELEASED
    assert held_days(b.leader) == 0


def test_a_request_cannot_be_withdrawn_once_the_work_has_started(brokerage):
    b = brokerage
    deployment = active(b)
    with scope(partnership=b.partnership):
        with pytest.raises(TransitionNotAllowed, match="support has started"):
            processes.withdraw_request(actor=b.head, request=SupportRequest.objects.get(pk=b.request.pk))
        assert Deployment.objects.get(pk=deployment.pk).status == DeploymentStatus.ACTIVE
        assert SupportRequest.objects.get(pk=b.request.pk).status == RequestStatus.MATCHED


def test_a_request_whose_support_has_finished_cannot_be_withdrawn_or_proposed_again(brokerage, client):
    b = brokerage
    deployment = active(b)
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
        page = parsed(client.get(f"/p/{b.partnership.slug}/requests/{b.request.pk}/"))
        assert page.h1.get_text(" ", strip=True) == f"Request {b.request.reference}"
        assert "Stopped early" in page.main.get_text(" ", strip=True)  # the page shows the finished deployment
        assert absent not in page.main.get_text(" ", strip=True)
