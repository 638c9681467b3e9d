"""Designation review reminders: 60 days before and once overdue, to the steering group and the leader, once each."""

from __future__ import annotations

from datetime import date, timedelta

from django_scopes import scopes_disabled

from alliances.models import SystemLeader
from leadership.quality.reminders import run_designation_reminders, stage_for
from leadership.quality.tasks import designation_reminders_task
from portal.notifications.models import Notification

TODAY = date(2027, 3, 1)


def _rows():
    with scopes_disabled():
        # The key is partnership:event:designation_review:<leader>:<date>:<stage>:<recipient>:<channel>.
        return sorted((":".join(n.dedupe_key.split(":")[3:6]), n.recipient_id) for n in Notification.objects.filter(
            event_type="leadership.designation_review_due", channel="in_app"))


def test_the_stages_are_sixty_days_before_and_overdue():
    assert stage_for(TODAY + timedelta(days=61), TODAY) is None
    assert stage_for(TODAY + timedelta(days=60), TODAY) == "soon"
    assert stage_for(TODAY, TODAY) == "soon"
    assert stage_for(TODAY - timedelta(days=1), TODAY) == "overdue"


def test_reminders_go_to_the_steering_group_and_the_leader_once_even_when_the_run_repeats(qa):
    with scopes_disabled():
        SystemLeader.objects.filter(pk=qa.leader.pk).update(designated_on=date(2023, 1, 1),
                                                            review_due=TODAY + timedelta(days=30))
        SystemLeader.objects.filter(pk=qa.loner.pk).update(designated_on=date(2023, 1, 1),
                                                           review_due=TODAY - timedelta(days=1))
        SystemLeader.objects.filter(pk=qa.lead.pk).update(review_due=TODAY + timedelta(days=61))
    first = run_designation_reminders(today=TODAY)
    assert designation_reminders_task(today=TODAY.isoformat())["reminders"] == 0  # the second run sends nothing
    rows = _rows()
    staff = {qa.broker.user_id, qa.approver.user_id}
    soon = {user for key, user in rows if key.startswith(f"{qa.leader.pk}:") and key.endswith(":soon")}
    overdue = {user for key, user in rows if key.startswith(f"{qa.loner.pk}:") and key.endswith(":overdue")}
    assert soon == staff | {qa.leader.user_id}
    assert overdue == staff | {qa.loner.user_id}
    assert not [key for key, _ in rows if key.startswith(f"{qa.lead.pk}:")]  # 61 days off: nothing yet
    assert first.reminders == len(rows) * 2  # an email and an in-app row each
    # Overdue the next day too: the "soon" reminder is not sent again, the overdue one goes once.
    run_designation_reminders(today=TODAY + timedelta(days=31))
    run_designation_reminders(today=TODAY + timedelta(days=32))
    keys = [key for key, user in _rows() if key.startswith(f"{qa.leader.pk}:") and user == qa.leader.user_id]
    assert sorted(k.rsplit(":", 1)[-1] for k in keys) == ["overdue", "soon"]


def test_de_designated_leaders_are_not_reminded(qa):
    with scopes_disabled():
        SystemLeader.objects.filter(pk=qa.leader.pk).update(status="de_designated", designated_on=date(2023, 1, 1),
                                                            review_due=TODAY - timedelta(days=5))
    run_designation_reminders(today=TODAY)
    assert not [key for key, _ in _rows() if key.startswith(f"{qa.leader.pk}:")]
