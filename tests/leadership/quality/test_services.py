"""QA activities, actions, groups and the framework: who may record what, guards, audit and the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from leadership.models import Competency, QAAction, QAActivity, QAGroupMember, RatingLevel
from leadership.quality import services as quality
from leadership.quality.services import ActionInput
from portal.audit.models import AuditEvent
from portal.errors import DomainError, NotAllowed
from portal.notifications.models import Notification
from portal.tenancy.roles import Role
from portal.workflow import TransitionNotAllowed
from tests.factories import DeploymentFactory, SystemLeaderFactory, VisitFactory, make_member


def _record(qa, actor, leader=None, **extra):
    today = timezone.localdate()
    values = {"kind": "observation", "held_on": today, "deployment": qa.deployment,
              "ratings": {qa.competencies[0].pk: qa.levels[2].pk, qa.competencies[1].pk: qa.levels[1].pk},
              "notes": "Strong coaching of the maths lead.", "private_notes": "Watch workload.",
              "actions": [ActionInput("Share the moderation plan", today + timedelta(days=14))], **extra}
    with scope(partnership=qa.partnership):
        return quality.record_qa_activity(actor=actor, leader=leader or qa.leader, **values)


def test_the_group_lead_records_an_activity_with_ratings_and_an_action_and_the_leader_is_told(qa):
    activity = _record(qa, qa.lead_member)
    with scopes_disabled():
        assert activity.group_id == qa.group.pk
        assert QAAction.objects.get(activity=activity).description == "Share the moderation plan"
        assert sorted(QAActivity.objects.get(pk=activity.pk).leader.name for _ in [0]) == ["Sam Member"]
        event = AuditEvent.objects.get(action="qa_activity.recorded")
        assert event.new["ratings"] == 2 and event.new["actions"] == 1
        told = Notification.objects.filter(event_type="leadership.qa_activity")
        assert {n.recipient_id for n in told} == {qa.leader.user_id}


def test_the_steering_group_records_for_any_leader_but_a_leader_not_leading_their_group_cannot(qa):
    _record(qa, qa.broker, leader=qa.loner, deployment=None)
    _record(qa, qa.approver)
    for actor, leader in ((qa.loner_member, qa.leader), (qa.leader_member, qa.leader), (qa.lead_member, qa.loner),
                          (qa.la_officer, qa.leader), (qa.head, qa.leader)):
        with pytest.raises(NotAllowed):
            _record(qa, actor, leader=leader, deployment=None)


def test_the_deployment_or_visit_must_be_the_leaders_own_and_the_ratings_from_the_framework(qa):
    with scopes_disabled():
        others = DeploymentFactory(partnership=qa.partnership, leader=qa.loner, proposed_by=qa.broker.user,
                                   status="active", request__created_by=qa.head.user)
        their_visit = VisitFactory(partnership=qa.partnership, deployment=others)
        retired = qa.competencies[5]
        Competency.objects.filter(pk=retired.pk).update(is_active=False)
    with pytest.raises(NotAllowed, match="deployment is not one of Sam Member's"):
        _record(qa, qa.lead_member, deployment=others)
    with pytest.raises(NotAllowed, match="not one of Sam Member"):  # the visit's deployment is Lou's
        _record(qa, qa.lead_member, deployment=None, visit=their_visit)
    with pytest.raises(DomainError, match="Rate competencies of the framework"):
        _record(qa, qa.lead_member, ratings={retired.pk: qa.levels[0].pk})
    with pytest.raises(DomainError, match="today or in the past"):
        _record(qa, qa.lead_member, held_on=timezone.localdate() + timedelta(days=1))
    with pytest.raises(DomainError, match="due date must be on or after"):
        _record(qa, qa.lead_member, actions=[ActionInput("Late", timezone.localdate() - timedelta(days=1))])
    with scopes_disabled():
        assert not QAActivity.objects.exists() and not Notification.objects.exists()  # nothing half-written


def test_an_action_is_marked_done_once_by_the_leader_and_never_by_someone_else(qa):
    activity = _record(qa, qa.lead_member)
    with scopes_disabled():
        action = QAAction.objects.select_related("leader").get(activity=activity)
    with scope(partnership=qa.partnership):
        with pytest.raises(NotAllowed):
            quality.complete_qa_action(actor=qa.loner_member, action=action)
        quality.complete_qa_action(actor=qa.leader_member, action=action)
        with pytest.raises(TransitionNotAllowed):
            quality.complete_qa_action(actor=qa.lead_member, action=QAAction.objects.get(pk=action.pk))
    with scopes_disabled():
        done = QAAction.objects.get(pk=action.pk)
        assert (done.status, done.done_by_id) == ("done", qa.leader.user_id)
        assert AuditEvent.objects.filter(action="qa_action.done").count() == 1


def test_a_leader_belongs_to_at_most_one_group_and_a_lead_is_not_their_own_member(qa):
    with scope(partnership=qa.partnership):
        with pytest.raises(DomainError, match="Sam Member already belongs to another QA group"):
            quality.save_qa_group(actor=qa.broker, group=None, name="Fenland", lead=qa.loner, members=[qa.leader])
        with pytest.raises(DomainError, match="cannot also be one of its members"):
            quality.save_qa_group(actor=qa.broker, group=None, name="Fenland", lead=qa.loner, members=[qa.loner])
        with pytest.raises(NotAllowed):
            quality.save_qa_group(actor=qa.lead_member, group=qa.group, name="Mine", lead=qa.lead, members=[])
        group = quality.save_qa_group(actor=qa.broker, group=qa.group, name="Cambridge NLE cluster", lead=qa.lead,
                                      members=[qa.leader, qa.loner])
    with scopes_disabled():
        assert set(QAGroupMember.objects.filter(group=group).values_list("leader__name", flat=True)) == {
            "Sam Member", "Lou Loner"}


def test_the_default_framework_is_added_once_and_only_by_brokers_and_admins(partnership, broker, approver):
    admin = make_member(partnership, Role.ADMIN)
    with scope(partnership=partnership):
        with pytest.raises(NotAllowed):
            quality.use_default_framework(actor=approver)
        assert quality.use_default_framework(actor=broker) == 10
        assert quality.use_default_framework(actor=admin) == 0
        assert [c.title for c in Competency.objects.all()][:2] == ["Diagnosing need", "Support and challenge"]
        assert [level.label for level in RatingLevel.objects.all()] == ["Not yet evident", "Developing", "Secure",
                                                                        "Strong"]
        with pytest.raises(DomainError, match="already has the value 3"):
            quality.save_rating_level(actor=broker, level=None, value=3, label="Good", meaning="")


def test_a_de_designated_leader_cannot_lead_a_new_group(qa):
    with scopes_disabled():
        gone = SystemLeaderFactory(partnership=qa.partnership, name="Gone", status="de_designated")
    with scope(partnership=qa.partnership), pytest.raises(DomainError, match="no longer designated"):
        quality.save_qa_group(actor=qa.broker, group=None, name="Gone's", lead=gone, members=[])
