"""The daily retention run: each period, batches, idempotence, two runs at once, and the audit log's one path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import InternalError, connection, transaction
from django.utils import timezone

from alliances.models import ImportJob
from portal.audit.models import AuditEvent
from portal.audit.paths import pruning_before
from portal.audit.services import record_event
from portal.notifications.models import Notification
from portal.privacy import retention
from portal.privacy.tasks import enforce_retention_task
from tests.conftest import require
from tests.factories import NotificationFactory, UserFactory
from tests.tenancy.test_races import race

NOW = timezone.now()


@pytest.fixture
def postgres():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


def _aged(model, days: int, **fields):
    row = model.objects.create(**fields) if model is not Notification else NotificationFactory(**fields)
    model._base_manager.filter(pk=row.pk).update(created_at=NOW - timedelta(days=days))
    return row


def _old_event(partnership, days: int, action: str = "test.old") -> AuditEvent:
    return AuditEvent.objects.create(partnership=partnership, action=action, created_at=NOW - timedelta(days=days))


@pytest.mark.django_db
def test_notifications_older_than_two_years_go_and_newer_ones_stay(partnership, other_partnership, settings):
    settings.RETENTION_BATCH_SIZE = 2  # several batches
    old = [_aged(Notification, 731, partnership=p) for p in (partnership, other_partnership) for _ in range(3)]
    kept = _aged(Notification, 729, partnership=partnership)
    removed = retention.global_prune_rule(
        next(r for r in retention.retention_rules() if r.model == "portal.Notification"), now=NOW)
    assert removed == len(old) == 6
    assert list(Notification._base_manager.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.django_db
def test_import_uploads_older_than_90_days_go_with_their_files():
    old = ImportJob.objects.create(filename="old.csv", content=b"URN\n100000\n")
    ImportJob.objects.filter(pk=old.pk).update(created_at=NOW - timedelta(days=91))
    recent = ImportJob.objects.create(filename="recent.csv", content=b"URN\n")
    summary = retention.global_enforce_retention(now=NOW)
    assert summary["import uploads (files and jobs)"] == 1
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.django_db
def test_expired_sessions_are_cleared_and_live_ones_kept():
    live, expired = SessionStore(), SessionStore()
    live.create()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=NOW - timedelta(seconds=1))
    assert retention.global_prune_sessions(now=NOW) == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


@pytest.mark.django_db
def test_audit_events_older_than_seven_years_are_pruned_and_the_pruning_is_recorded(partnership, other_partnership):
    gone = [_old_event(partnership, 2558) for _ in range(3)]
    first_kept = _old_event(partnership, 2556, "test.kept")
    _old_event(other_partnership, 30)
    removed = retention.global_prune_audit_events(now=NOW)
    assert removed == {partnership.pk: 3}
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in gone]).exists()
    pruning = AuditEvent.objects.get(partnership=partnership, action="privacy.audit_pruned")
    assert pruning.new["removed"] == 3
    assert pruning.new["first_kept_id"] == first_kept.pk  # the log's new start: a check of the log begins here
    assert pruning.new["retention_days"] == 2557
    assert not AuditEvent.objects.filter(partnership=other_partnership, action="privacy.audit_pruned").exists()


@pytest.mark.django_db
def test_a_second_run_finds_nothing_and_records_nothing(partnership):
    _old_event(partnership, 3000)
    _aged(Notification, 800, partnership=partnership)
    first = enforce_retention_task()
    second = enforce_retention_task()
    assert first["audit events"] == 1 and first["notifications (email outbox and in-app)"] == 1
    assert set(second.values()) == {0}
    assert AuditEvent.objects.filter(action="privacy.audit_pruned").count() == 1


@pytest.mark.django_db
def test_the_trigger_refuses_deleting_audit_events_outside_the_retention_path(postgres, partnership):
    recent = record_event(partnership=partnership, action="test.recent")
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        AuditEvent._base_manager.filter(pk=recent.pk).delete()
    old = _old_event(partnership, 3000)
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        AuditEvent._base_manager.filter(pk=old.pk).delete()
    # The path names a cut-off: a row newer than it is still refused.
    with pytest.raises(InternalError, match="append-only"), transaction.atomic(), pruning_before(NOW - timedelta(days=10)):
        AuditEvent._base_manager.filter(pk=recent.pk).delete()
    with transaction.atomic(), pruning_before(NOW - timedelta(days=10)):
        assert AuditEvent._base_manager.filter(pk=old.pk).delete()[0] == 1
    # The setting ended with its block.
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        AuditEvent._base_manager.filter(pk=recent.pk).delete()


@pytest.mark.django_db(transaction=True)
def test_the_retention_path_needs_a_transaction_and_an_aware_cut_off():
    with pytest.raises(RuntimeError, match="inside the transaction"), pruning_before(NOW):
        pass
    with pytest.raises(ValueError), transaction.atomic(), pruning_before(NOW.replace(tzinfo=None)):
        pass


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(2))
def test_two_runs_at_once_remove_each_row_once(postgres, partnership, other_partnership, settings, attempt):
    settings.RETENTION_BATCH_SIZE = 5
    for p in (partnership, other_partnership):
        for _ in range(20):
            _old_event(p, 3000)
            _aged(Notification, 800, partnership=p)
    user = UserFactory()
    _aged(Notification, 10, partnership=partnership, recipient=user)
    results, errors = race(lambda: retention.global_enforce_retention(now=NOW),
                           lambda: retention.global_enforce_retention(now=NOW))
    assert not errors, errors
    assert sum(r["audit events"] for r in results) == 40
    assert sum(r["notifications (email outbox and in-app)"] for r in results) == 40
    assert Notification._base_manager.count() == 1
    pruned = AuditEvent._base_manager.filter(action="privacy.audit_pruned")
    assert sum(e.new["removed"] for e in pruned) == 40
    assert AuditEvent._base_manager.exclude(action="privacy.audit_pruned").count() == 0


def test_periods_and_batch_size_fail_loudly_when_set_wrong(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import portal.settings

    monkeypatch.setenv("RETENTION_NOTIFICATION_DAYS", "0")
    with pytest.raises(ImproperlyConfigured, match="notifications"):
        importlib.reload(portal.settings)
    monkeypatch.setenv("RETENTION_NOTIFICATION_DAYS", "many")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        importlib.reload(portal.settings)
    monkeypatch.delenv("RETENTION_NOTIFICATION_DAYS")
    importlib.reload(portal.settings)


def test_the_daily_run_is_on_the_beat_schedule():
    from celery.schedules import crontab

    from portal.celery import app

    entry = app.conf.beat_schedule["privacy.retention"]
    assert entry["task"] == "privacy.retention" and isinstance(entry["schedule"], crontab)
    assert "privacy.retention" in app.tasks

