"""Request services: drafts, sending, triage; each guarded, audited and told to the right people."""

from __future__ import annotations

import pytest
from django_scopes import scope

from alliances.models import School
from deployments import processes
from deployments.models import SupportRequest
from deployments.requests import services
from portal.audit.models import AuditEvent
from portal.errors import DomainError, NotAllowed
from portal.notifications.models import Notification
from portal.tenancy.roles import Role
from tests.deployments.requests.conftest import complete_draft, sent_request
from tests.factories import make_member


def test_only_a_head_of_the_school_can_start_a_request(partnership, headteacher, broker):
    other_school = School.objects.create(urn="137049", name="Comberton Village College")
    with scope(partnership=partnership):
        with pytest.raises(NotAllowed, match="only for a school you lead"):
            services.start_request(actor=headteacher, school=other_school)
        with pytest.raises(NotAllowed):
            services.start_request(actor=broker, school=headteacher.schools.get())


def test_sending_tells_every_broker_once_and_freezes_the_answers(partnership, headteacher, broker, specialisms):
    other_broker = make_member(partnership, Role.BROKER)
    draft = complete_draft(headteacher, specialisms)
    with scope(partnership=partnership):
        services.submit_request(actor=headteacher, request=draft)
        with pytest.raises(services.TransitionNotAllowed, match="can no longer be changed"):
            services.update_draft(actor=headteacher, request=draft, context="changed")
        with pytest.raises(services.TransitionNotAllowed, match="This request is waiting for the steering group, so it cannot become"):
            services.submit_request(actor=headteacher, request=draft)
    assert {n.recipient for n in Notification.objects.filter(event_type="request.submitted", channel="in_app")} == {
        broker.user, other_broker.user}
    assert AuditEvent.objects.filter(action="request.submitted").count() == 1


def test_an_incomplete_draft_cannot_be_sent(partnership, headteacher, specialisms):
    with scope(partnership=partnership):
        draft = services.start_request(actor=headteacher, school=headteacher.schools.get())
        assert services.missing_answers(draft) == ["needs", "context", "timing", "funding"]
        with pytest.raises(DomainError, match="Answer every question"):
            services.submit_request(actor=headteacher, request=draft)


def test_two_sends_at_once_cannot_both_win(partnership, headteacher, specialisms):
    draft = complete_draft(headteacher, specialisms)
    stale = SupportRequest.objects.get(pk=draft.pk)
    with scope(partnership=partnership):
        services.submit_request(actor=headteacher, request=draft)
        with pytest.raises(services.TransitionNotAllowed, match="Someone else changed this request first"):
            processes.withdraw_request(actor=headteacher, request=stale)  # stale copy still says draft


def test_a_broker_takes_a_request_on_and_the_head_is_told(partnership, headteacher, broker, specialisms):
    request = sent_request(headteacher, specialisms)
    with scope(partnership=partnership):
        services.triage_request(actor=broker, request=request, eligible=True, support_level="targeted",
                                note="A good fit for our maths SLEs.")
    request.refresh_from_db()
    assert request.status == "triaged" and request.assigned_broker == broker.user and request.triaged_at
    [told] = Notification.objects.filter(event_type="request.triaged", channel="in_app")
    assert told.recipient == headteacher.user and "has been taken on" in told.title
    assert AuditEvent.objects.filter(action="request.triaged", note="A good fit for our maths SLEs.").exists()


def test_declining_needs_a_reason_and_only_brokers_triage(partnership, headteacher, broker, approver, specialisms):
    request = sent_request(headteacher, specialisms)
    with scope(partnership=partnership):
        with pytest.raises(DomainError, match="Say why"):
            services.triage_request(actor=broker, request=request, eligible=False, note=" ")
        with pytest.raises(NotAllowed):
            services.triage_request(actor=approver, request=request, eligible=False, note="No")
        with pytest.raises(DomainError, match="must be an active broker"):
            services.triage_request(actor=broker, request=request, eligible=True, support_level="advice",
                                    assigned_broker=headteacher.user)
        services.triage_request(actor=broker, request=request, eligible=False, note="Ask the LA's maths adviser.")
        with pytest.raises(services.TransitionNotAllowed):
            services.triage_request(actor=broker, request=request, eligible=True, support_level="advice")
    assert SupportRequest.objects.get(pk=request.pk).status == "declined"
