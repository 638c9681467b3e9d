"""Recruitment's reminders go through the outbox, once each, however often the daily task runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadership.models import Application, ApplicationStatus
from leadership.recruitment.reminders import run_recruitment_reminders
from leadership.tasks import recruitment_reminders_task
from portal.notifications.models import Notification
from tests.factories.leadership import make_application, make_round
from tests.leadership.recruitment.conftest import score_all

pytestmark = pytest.mark.django_db


def _rows(event):
    return list(Notification.objects.filter(event_type=event, channel="email").values_list("email", flat=True))


def test_a_round_closing_reminds_candidates_with_drafts_once(partnership, candidate, headteacher, broker, approver):
    round_ = make_round(partnership, panel=[broker.user, approver.user], closes_in=10)
    make_application(round_, candidate.user, status=ApplicationStatus.DRAFT)
    make_application(round_, headteacher.user, status=ApplicationStatus.SUBMITTED, name="Sent already")
    today = timezone.localdate()
    assert run_recruitment_reminders(today=today).reminders == 0  # ten days to go: not yet
    three_before = round_.closes_on - timedelta(days=3)
    first = run_recruitment_reminders(today=three_before).reminders
    again = run_recruitment_reminders(today=three_before + timedelta(days=1)).reminders
    assert (first, again) == (2, 0)  # in the app and by email, to the draft's candidate only; never again
    assert _rows("recruitment.closing") == [candidate.user.email]


def test_panel_members_with_unscored_applications_are_reminded_after_the_round_closes(endorsed, broker, approver):
    round_ = endorsed.round
    score_all(broker, endorsed)
    after = round_.closes_on + timedelta(days=1)
    assert run_recruitment_reminders(today=round_.closes_on).reminders == 0  # still open
    recruitment_reminders_task(today=after.isoformat())
    recruitment_reminders_task(today=(after + timedelta(days=1)).isoformat())
    assert _rows("recruitment.scoring_due") == [approver.user.email]
    row = Notification.objects.get(event_type="recruitment.scoring_due", channel="email")
    assert row.link.endswith(f"/applications/{endorsed.pk}/score/")


def test_nothing_is_due_once_every_member_has_scored(endorsed, broker, approver):
    score_all(broker, endorsed)
    score_all(approver, endorsed)
    assert Application.objects.get(pk=endorsed.pk).status == ApplicationStatus.ENDORSED
    assert run_recruitment_reminders(today=endorsed.round.closes_on + timedelta(days=1)).reminders == 0
