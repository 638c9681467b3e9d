"""A request's status follows its deployment to the end (`deployments.progress`): derived in SQL from the one
source of truth for each part (the request's own status until a leader accepts, the deployment's after), for
every page, filter, export and dashboard that shows a request."""

from __future__ import annotations

from django_scopes import scope, scopes_disabled

from deployments import processes
from deployments.brokerage import offers
from deployments.models import Deployment, DeploymentStatus, Offer, RequestProgress, RequestStatus, SupportRequest
from deployments.progress import CLOSED, NEXT_STEP, filter_by_progress, progress_choices, with_progress
from deployments.templatetags.brokerage import TAGS
from reporting.dashboards.figures import REQUEST_COLUMNS
from tests.deployments.conftest import accepted, active, propose
from tests.factories import DeploymentFactory, SupportRequestFactory


def progress(request: SupportRequest) -> str:
    with scopes_disabled():
        return with_progress(SupportRequest.objects.filter(pk=request.pk)).get().progress


def stage_of(request: SupportRequest, stage: str) -> set[int]:
    """Whether the requests list's status filter finds `request` at `stage` ({its pk} or nothing)."""
    with scopes_disabled():
        return set(filter_by_progress(SupportRequest.objects.filter(pk=request.pk), stage).values_list("pk", flat=True))


def fresh(deployment: Deployment) -> Deployment:
    return Deployment.objects.get(pk=deployment.pk)


def test_a_request_reads_as_far_as_its_deployment_has_gone_and_closes_when_it_completes(brokerage):
    b = brokerage
    assert progress(b.request) == RequestProgress.TRIAGED
    accepted(b)
    assert progress(b.request) == RequestProgress.MATCHED
    with scope(partnership=b.partnership):
        deployment = propose(b)
        assert progress(b.request) == RequestProgress.PROPOSED
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Good fit.")
        assert progress(b.request) == RequestProgress.APPROVED
        processes.confirm_agreement(actor=b.head, deployment=fresh(deployment))
        processes.confirm_agreement(actor=b.leader_member, deployment=fresh(deployment))
        assert progress(b.request) == RequestProgress.ACTIVE
        processes.pause_deployment(actor=b.broker, deployment=fresh(deployment), reason="Ofsted visit")
        assert progress(b.request) == RequestProgress.PAUSED
        processes.resume_deployment(actor=b.broker, deployment=fresh(deployment))
        assert stage_of(b.request, "open") == {b.request.pk} and stage_of(b.request, "closed") == set()
        processes.complete_deployment(actor=b.broker, deployment=fresh(deployment), summary="Done.")
    assert progress(b.request) == RequestProgress.COMPLETED
    assert stage_of(b.request, "closed") == {b.request.pk} and stage_of(b.request, "open") == set()
    assert stage_of(b.request, "completed") == {b.request.pk} and stage_of(b.request, "matched") == set()
    with scopes_disabled():  # one source of truth: the request's own status stays where brokerage left it
        assert SupportRequest.objects.get(pk=b.request.pk).status == RequestStatus.MATCHED


def test_a_request_whose_support_stopped_early_is_closed(brokerage):
    b = brokerage
    deployment = active(b)
    with scope(partnership=b.partnership):
        processes.stop_deployment(actor=b.broker, deployment=deployment, reason="The head left.")
    assert progress(b.request) == RequestProgress.STOPPED
    assert stage_of(b.request, "closed") == {b.request.pk}


def test_a_rejected_deployment_no_longer_speaks_for_the_request(brokerage):
    b = brokerage
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b)
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=False, rationale="Too far.")
    assert progress(b.request) == RequestProgress.TRIAGED  # back to matching
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=SupportRequest.objects.get(pk=b.request.pk),
                                               leaders=[b.other_leader])
        processes.accept_offer(actor=b.other_leader_member, offer=Offer.objects.get(pk=offer.pk))
    assert progress(b.request) == RequestProgress.MATCHED  # the newer rejected deployment does not count


def test_withdrawing_after_approval_cancels_the_deployment_and_closes_the_request(brokerage):
    b = brokerage
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b)
        processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Yes.")
        processes.withdraw_request(actor=b.head, request=SupportRequest.objects.get(pk=b.request.pk), reason="Merged")
        assert fresh(deployment).status == DeploymentStatus.CANCELLED
    assert progress(b.request) == RequestProgress.WITHDRAWN
    assert stage_of(b.request, "closed") == {b.request.pk}


def test_every_request_and_deployment_status_reads_as_one_stage(partnership):
    for request_status in RequestStatus.values:
        for deployment_status in (None, *DeploymentStatus.values):
            request = SupportRequestFactory(partnership=partnership, status=request_status)
            if deployment_status:
                DeploymentFactory(partnership=partnership, request=request, status=deployment_status)
            if request_status != RequestStatus.MATCHED:
                expected = request_status  # until a leader accepts, the request's own status says it all
            elif deployment_status in (None, DeploymentStatus.REJECTED):
                expected = RequestProgress.MATCHED
            else:
                expected = deployment_status
            case = (request_status, deployment_status)
            assert progress(request) == expected, case
            closed = expected in CLOSED
            assert stage_of(request, "closed") == ({request.pk} if closed else set()), case
            assert stage_of(request, "open") == (set() if closed else {request.pk}), case
            assert stage_of(request, expected) == {request.pk}, case


def test_a_carried_over_request_follows_its_latest_deployment(partnership):
    request = SupportRequestFactory(partnership=partnership, matched=True)
    DeploymentFactory(partnership=partnership, request=request, status=DeploymentStatus.CANCELLED)
    assert progress(request) == RequestProgress.CANCELLED
    DeploymentFactory(partnership=partnership, request=request, status=DeploymentStatus.ACTIVE)
    assert progress(request) == RequestProgress.ACTIVE


def test_every_stage_has_words_a_colour_a_next_step_and_a_dashboard_column():
    deployment_stages = set(DeploymentStatus.values) - {DeploymentStatus.REJECTED}
    assert deployment_stages <= set(RequestProgress.values)
    assert set(RequestProgress.values) == set(NEXT_STEP) and set(RequestProgress.values) <= set(TAGS)
    counted = [stage for _, stages in REQUEST_COLUMNS for stage in stages]
    assert sorted(counted) == sorted(set(RequestProgress.values) - {RequestProgress.DRAFT})  # each once; drafts never
    assert CLOSED == {RequestProgress.DECLINED, RequestProgress.WITHDRAWN, RequestProgress.COMPLETED,
                      RequestProgress.STOPPED, RequestProgress.CANCELLED}


def test_the_status_filter_offers_every_stage_and_ignores_what_it_does_not_know(partnership):
    request = SupportRequestFactory(partnership=partnership)
    assert stage_of(request, "nonsense") == {request.pk}
    staff, heads = progress_choices(staff=True), progress_choices(staff=False)
    assert [value for value, _ in staff[:2]] == ["open", "closed"]
    assert RequestProgress.DRAFT not in dict(staff) and RequestProgress.DRAFT in dict(heads)
    assert dict(heads)[RequestProgress.COMPLETED] == "Closed: support completed"
