"""The delivery reminders: each goes once however often the run repeats, to the right people only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django_scopes import scopes_disabled

from portal.celery import app
from portal.notifications.models import Channel, Notification
from programmes.delivery.reminders import run_delivery_reminders
from programmes.models import SchoolImpact
from programmes.tasks import delivery_reminders_task
from tests.factories.delivery import dl_cohort, dl_evaluation, dl_marks, dl_place, dl_sessions

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def sent(event: str) -> list[tuple[int, str]]:
    return sorted(Notification.objects.filter(event_type=event, channel=Channel.EMAIL)
                  .values_list("recipient_id", "dedupe_key"))


def test_a_session_is_announced_a_week_and_a_day_before_exactly_once(delivery, admin, headteacher, participant,
                                                                    system_leader):
    today = delivery.today
    cohort = dl_cohort(delivery.programme, created_by=admin.user, first=today + timedelta(days=7), sessions=1,
                       name="Spring cohort", facilitators=[delivery.leader])
    dl_place(cohort, delivery.school, nominated_by=headteacher.user, user=participant.user, name="Pat Participant")
    session = dl_sessions(cohort)[0]
    for day in range(8):  # every day from a week before to the session's day, each twice
        run_delivery_reminders(today=today + timedelta(days=day))
        run_delivery_reminders(today=today + timedelta(days=day))
    got = [(user, key) for user, key in sent("programmes.session_soon") if key.split(":")[1] == f"session:{session.pk}"
           or f"session:{session.pk}:" in key]
    assert sorted({user for user, _ in got}) == sorted([participant.user_id, system_leader.user_id])
    assert len(got) == 4  # a week before and the day before, to each
    assert sum(":day:" in key for _, key in got) == 2


def test_an_untaken_register_is_chased_from_the_next_school_day(delivery, admin, system_leader, broker, headteacher):
    friday = date(2026, 10, 9)
    cohort = dl_cohort(delivery.programme, created_by=admin.user, first=friday, sessions=1, name="Friday cohort",
                       facilitators=[delivery.leader])
    session = dl_sessions(cohort)[0]
    empty = dl_cohort(delivery.programme, created_by=admin.user, first=friday, sessions=1, name="Nobody came")
    dl_place(cohort, delivery.school, nominated_by=headteacher.user, name="Pat Participant")

    def chased():
        return [user for user, key in sent("programmes.register_overdue") if f"session:{session.pk}:" in key]

    run_delivery_reminders(today=date(2026, 10, 10))  # Saturday: not a school day yet
    assert chased() == []
    run_delivery_reminders(today=date(2026, 10, 12))  # Monday
    run_delivery_reminders(today=date(2026, 10, 12))
    run_delivery_reminders(today=date(2026, 10, 13))
    assert sorted(chased()) == sorted([system_leader.user_id, broker.user_id])
    # A register with nobody on it can never be saved, so it is never chased (nor one of a cancelled cohort).
    nobody = dl_sessions(empty)[0]
    assert not [key for _, key in sent("programmes.register_overdue") if f"session:{nobody.pk}:" in key]


def test_a_taken_register_is_not_chased(delivery, broker):
    for session in delivery.sessions:
        dl_marks(session, delivery.places, recorded_by=broker.user)
    run_delivery_reminders(today=delivery.today)
    assert sent("programmes.register_overdue") == []


def test_evaluations_are_chased_a_week_after_the_last_session_once(delivery, participant):
    last = delivery.sessions[-1].date
    run_delivery_reminders(today=last + timedelta(days=6))
    assert sent("programmes.evaluation_due") == []
    run_delivery_reminders(today=last + timedelta(days=7))
    run_delivery_reminders(today=last + timedelta(days=7))
    run_delivery_reminders(today=last + timedelta(days=8))
    assert [(user, key.split(":", 2)[2]) for user, key in sent("programmes.evaluation_due")] == [
        (participant.user_id, f"place:{delivery.place.pk}:evaluation_due:user{participant.user_id}:email")]


def test_a_returned_evaluation_is_not_chased(delivery):
    dl_evaluation(delivery.place)
    run_delivery_reminders(today=delivery.today)
    assert sent("programmes.evaluation_due") == []


def test_the_head_is_asked_for_the_impact_on_the_school_a_term_later_once(delivery, headteacher):
    assert app.conf.beat_schedule["programmes.delivery_reminders"]["task"] == delivery_reminders_task.name
    last = delivery.sessions[-1].date
    delivery_reminders_task(today=(last + timedelta(days=1)).isoformat())
    rows = list(SchoolImpact.objects.order_by("pk"))
    assert len(rows) == 3 and len({row.due_on for row in rows}) == 1
    due = rows[0].due_on
    assert due > last + timedelta(days=30)
    assert sent("programmes.school_impact_due") == []
    result = delivery_reminders_task(today=due.isoformat())
    delivery_reminders_task(today=due.isoformat())
    delivery_reminders_task(today=(due + timedelta(days=1)).isoformat())
    assert result["partnerships"] >= 1
    assert [user for user, _ in sent("programmes.school_impact_due")] == [headteacher.user_id] * 3
