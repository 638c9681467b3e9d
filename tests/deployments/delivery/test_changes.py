"""The broker's status changes (pause, resume, stop, complete) apply only where the lifecycle allows them.

Approved -> active is the agreement being confirmed by both sides; "resume" must never reach it.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django_scopes import scope

from deployments import processes
from deployments.delivery import lifecycle
from deployments.models import Deployment, DeploymentStatus, Review
from deployments.workflow import TransitionNotAllowed
from tests.deployments.conftest import accepted, active, propose


def _approved(b) -> Deployment:
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b)
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Good fit.")
        return Deployment.objects.get(pk=deployment.pk)


def test_a_broker_cannot_resume_an_approved_deployment_waiting_for_its_agreement(brokerage):
    b = brokerage
    deployment = _approved(b)
    with scope(partnership=b.partnership):
        assert lifecycle.allowed_changes(b.broker, deployment) == []
        with pytest.raises(TransitionNotAllowed, match="so you cannot resume it"):
            processes.resume_deployment(actor=b.broker, deployment=deployment, note="Start now")
        saved = Deployment.objects.get(pk=deployment.pk)
        assert saved.status == DeploymentStatus.APPROVED
        assert not Review.objects.filter(deployment=deployment).exists()


def test_the_approved_deployment_page_offers_no_resume_and_the_resume_page_sends_the_broker_back(brokerage, client):
    b = brokerage
    deployment = _approved(b)
    client.force_login(b.broker.user)
    page = client.get(f"/p/{b.partnership.slug}/deployments/{deployment.pk}/")
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.find("h1") is not None
    hrefs = [a["href"] for a in soup.select("main a[href]")]
    assert not any(href.endswith("/resume/") for href in hrefs)
    response = client.get(f"/p/{b.partnership.slug}/deployments/{deployment.pk}/resume/")
    assert response.status_code == 302
    assert response["Location"] == f"/p/{b.partnership.slug}/deployments/{deployment.pk}/"
    response = client.post(f"/p/{b.partnership.slug}/deployments/{deployment.pk}/resume/", {"note": "Go"})
    assert response.status_code == 302
    with scope(partnership=b.partnership):
        assert Deployment.objects.get(pk=deployment.pk).status == DeploymentStatus.APPROVED


@pytest.mark.parametrize(("status", "expected"), [
    (DeploymentStatus.ACTIVE, ["pause", "stop", "complete"]),
    (DeploymentStatus.PAUSED, ["resume", "stop"]),
])
def test_the_changes_open_to_a_broker_follow_the_status(brokerage, status, expected):
    b = brokerage
    deployment = active(b)
    with scope(partnership=b.partnership):
        if status == DeploymentStatus.PAUSED:
            processes.pause_deployment(actor=b.broker, deployment=deployment, reason="Staff illness")
        assert sorted(lifecycle.allowed_changes(b.broker, deployment)) == sorted(expected)
        assert lifecycle.allowed_changes(b.approver, deployment) == []
