"""The designation review: redesignate, extend or de-designate with a reason, one guarded outcome, the leader told."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from alliances.models import SystemLeader
from leadership.models import DesignationReview
from leadership.quality import services as quality
from portal.audit.models import AuditEvent
from portal.errors import DomainError, NotAllowed
from portal.notifications.models import Notification
from portal.workflow import TransitionNotAllowed
from tests.conftest import require
from tests.factories import make_member
from tests.tenancy.test_races import race


def _decide(qa, outcome, *, actor=None, reason="Strong impact in every deployment.", **extra):
    leader = SystemLeader.objects.get(pk=qa.leader.pk)
    return quality.decide_designation_review(actor=actor or qa.broker, leader=leader, outcome=outcome, reason=reason,
                                             seen_review_due=extra.pop("seen", leader.review_due), **extra)


def test_redesignation_sets_the_next_review_after_the_partnerships_period_and_tells_the_leader(qa):
    qa.partnership.designation_review_years = 3
    qa.partnership.save(update_fields=["designation_review_years"])
    today = date(2027, 2, 10)
    with scope(partnership=qa.partnership):
        before = SystemLeader.objects.get(pk=qa.leader.pk).review_due
        review = _decide(qa, "redesignate", today=today, actor=type(qa.broker).objects.get(pk=qa.broker.pk))
        leader = SystemLeader.objects.get(pk=qa.leader.pk)
    assert leader.review_due == date(2030, 2, 10) and leader.status == "active"
    assert (review.previous_review_due, review.new_review_due) == (before, date(2030, 2, 10))
    with scopes_disabled():
        event = AuditEvent.objects.get(action="system_leader.designation_changed")
        assert event.new == {"review_due": "2030-02-10", "outcome": "redesignate"}
        assert event.note == "Strong impact in every deployment."
        told = Notification.objects.get(event_type="leadership.designation_outcome", channel="email")
        assert told.recipient_id == qa.leader.user_id and "redesignate" in told.title


def test_an_extension_goes_to_the_chosen_date_after_today_and_within_the_period(qa):
    today = timezone.localdate()
    with scope(partnership=qa.partnership):
        with pytest.raises(DomainError, match="after today"):
            _decide(qa, "extend", extend_to=today)
        with pytest.raises(DomainError, match="at most 4 years"):
            _decide(qa, "extend", extend_to=today + timedelta(days=365 * 5))
        _decide(qa, "extend", extend_to=today + timedelta(days=90))
        assert SystemLeader.objects.get(pk=qa.leader.pk).review_due == today + timedelta(days=90)


def test_de_designation_ends_the_designation_with_the_reason_and_only_the_steering_group_decides(qa):
    with scope(partnership=qa.partnership):
        for actor in (qa.lead_member, qa.leader_member, qa.la_officer, qa.head):
            with pytest.raises(NotAllowed):
                _decide(qa, "de_designate", actor=actor)
        with pytest.raises(DomainError, match="reason"):
            _decide(qa, "de_designate", reason="  ")
        _decide(qa, "de_designate", actor=qa.approver, reason="No deployments taken up in two years.")
        assert SystemLeader.objects.get(pk=qa.leader.pk).status == "de_designated"
        with pytest.raises(TransitionNotAllowed):  # nothing left to review
            _decide(qa, "redesignate")
    with scopes_disabled():
        assert AuditEvent.objects.get(action="system_leader.designation_changed").new == {"status": "de_designated"}
        told = Notification.objects.get(event_type="leadership.designation_outcome", channel="email")
        assert "No deployments taken up in two years." in str(told.context)


def test_an_outcome_recorded_from_a_stale_page_is_refused(qa):
    with scope(partnership=qa.partnership):
        seen = SystemLeader.objects.get(pk=qa.leader.pk).review_due
        _decide(qa, "redesignate", seen=seen)
        with pytest.raises(TransitionNotAllowed, match="Someone else recorded the outcome"):
            _decide(qa, "de_designate", seen=seen)
        assert SystemLeader.objects.get(pk=qa.leader.pk).status == "active"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_a_race_on_the_outcome_gives_one_outcome(qa, attempt):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    deciders = [qa.broker, qa.approver] + [make_member(qa.partnership, "broker") for _ in range(4)]
    outcomes = ["redesignate", "de_designate", "extend", "redesignate", "de_designate", "extend"]
    with scopes_disabled():
        seen = SystemLeader.objects.get(pk=qa.leader.pk).review_due

    def decide(actor, outcome):
        def action():
            with scope(partnership=qa.partnership):
                return quality.decide_designation_review(
                    actor=actor, leader=SystemLeader.objects.get(pk=qa.leader.pk), outcome=outcome, reason="Race",
                    seen_review_due=seen, extend_to=timezone.localdate() + timedelta(days=30))
        return action

    results, errors = race(*[decide(a, o) for a, o in zip(deciders, outcomes, strict=True)])
    assert len(results) == 1, errors
    assert len(errors) == 5 and all(isinstance(e, TransitionNotAllowed) for e in errors), errors
    with scopes_disabled():
        assert DesignationReview.objects.filter(leader=qa.leader).count() == 1
        assert Notification.objects.filter(event_type="leadership.designation_outcome", channel="email").count() == 1
        leader = SystemLeader.objects.get(pk=qa.leader.pk)
        outcome = results[0].outcome
        assert (leader.status == "de_designated") == (outcome == "de_designate")
        assert (leader.review_due == seen) == (outcome == "de_designate")
