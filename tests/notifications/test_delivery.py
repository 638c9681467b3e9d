"""Queueing and delivery when things fail: one message per transaction, the broker breaker, the claim and its
lease, the result written again when the database blips, the sweeper's batches, and notify_bulk's count."""

from __future__ import annotations

import logging
import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from kombu.exceptions import OperationalError as KombuOperationalError

from portal.notifications import delivery, queueing, services
from portal.notifications.models import Channel, Delivery, Notification
from portal.tenancy.rls import owner_mode
from portal.tenancy.roles import Role
from tests.conftest import require
from tests.factories import UserFactory, make_member


def _notify(partnership, recipients, occurrence="o1"):
    with scope(partnership=partnership):
        return services.notify(
            partnership=partnership, event_type="invitation.accepted", recipients=recipients,
            occurrence=occurrence, context={"member_name": "Pat", "role_label": "Broker"}, link="/p/x/members/",
        )


def _email_row(rows):
    return next(r for r in rows if r.channel == Channel.EMAIL)


@pytest.fixture
def published(monkeypatch):
    """What reaches the broker: each publish's items (the real publisher would hand them to Celery)."""
    messages: list[list[tuple[int, int]]] = []
    monkeypatch.setattr(queueing, "_publish", lambda items: messages.append(items))
    return messages


def test_a_transaction_that_notifies_six_people_publishes_one_message(admin, published, django_capture_on_commit_callbacks):
    people = [make_member(admin.partnership, Role.BROKER).user for _ in range(6)]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = _notify(admin.partnership, people[:3], occurrence="a")
        second = _notify(admin.partnership, people[3:], occurrence="b")
        assert published == []  # nothing before the commit
    emails = sorted(r.pk for r in first + second if r.channel == Channel.EMAIL)
    assert len(published) == 1 and sorted(pk for _, pk in published[0]) == emails and len(emails) == 6


def test_rows_of_a_rolled_back_savepoint_are_not_published(admin, published, django_capture_on_commit_callbacks):
    other = make_member(admin.partnership, Role.BROKER).user
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        kept = _notify(admin.partnership, [admin.user], occurrence="kept")
        try:
            with transaction.atomic():
                _notify(admin.partnership, [other], occurrence="undone")
                raise RuntimeError("the inner change failed")
        except RuntimeError:
            pass
    assert published == [[(admin.partnership.pk, _email_row(kept).pk)]]


def test_a_savepoint_that_queued_first_and_rolled_back_leaves_the_later_rows_queued(
        admin, published, django_capture_on_commit_callbacks):
    other = make_member(admin.partnership, Role.BROKER).user
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                _notify(admin.partnership, [other], occurrence="undone")
                raise RuntimeError("the inner change failed")
        except RuntimeError:
            pass
        kept = _notify(admin.partnership, [admin.user], occurrence="kept")
    assert published == [[(admin.partnership.pk, _email_row(kept).pk)]]


def test_a_broker_failure_opens_the_breaker_logs_once_and_leaves_the_rows_due_for_the_sweeper(
        admin, monkeypatch, caplog, settings):
    calls = []

    def refuse(items):
        calls.append(items)
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(queueing, "_publish", refuse)
    rows = [_email_row(_notify(admin.partnership, [admin.user], occurrence=str(n))) for n in range(3)]
    with caplog.at_level(logging.WARNING):
        outcomes = [services.enqueue_delivery(partnership_id=admin.partnership.pk, notification_ids=[row.pk])
                    for row in rows]
    assert outcomes == [False, False, False]
    assert len(calls) == 1  # the second and third did not try: the breaker is open
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert len(caplog.records) == 1 and "Celery broker unreachable" in caplog.text
    overdue = timezone.now() - settings.NOTIFICATION_SWEEP_AFTER
    assert all(row.due_at <= overdue for row in Notification.objects.filter(pk__in=[r.pk for r in rows]))


def test_the_broker_is_tried_again_after_the_cool_off(admin, monkeypatch, settings):
    settings.REDIS_COOL_OFF = 0
    sent = []
    monkeypatch.setattr(queueing, "_publish", lambda items: (_ for _ in ()).throw(OSError("down")))
    assert services.publish_deliveries([(admin.partnership.pk, 1)]) is False
    monkeypatch.setattr(queueing, "_publish", lambda items: sent.append(items))
    assert services.publish_deliveries([(admin.partnership.pk, 1)]) is True and sent
    assert not services.broker.is_down


def test_a_claimed_row_is_not_sent_by_another_worker_until_its_lease_ends(admin):
    row = _email_row(_notify(admin.partnership, [admin.user]))
    Notification.objects.filter(pk=row.pk).update(attempts=1, claimed_until=timezone.now() + timedelta(minutes=4))
    with scope(partnership=admin.partnership):
        assert services.deliver_notification(notification_id=row.pk) == "being sent"
        assert mail.outbox == []
        # The worker that claimed it died: once the lease is over, the row is sent, and the attempt counted.
        Notification.objects.filter(pk=row.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
        assert services.deliver_notification(notification_id=row.pk) == "sent"
    row.refresh_from_db()
    assert row.attempts == 2 and row.claimed_until is None and row.sent_at is not None
    assert mail.outbox[0].extra_headers["Message-ID"] == row.message_id


def test_the_attempt_is_counted_and_the_row_claimed_before_the_send(admin, monkeypatch):
    row = _email_row(_notify(admin.partnership, [admin.user]))
    seen = {}

    def send(self, *args, **kwargs):
        seen.update(Notification.objects.filter(pk=row.pk).values("attempts", "claimed_until", "sent_at").get())
        seen["in_transaction"] = connection.in_atomic_block and len(connection.savepoint_ids) > 0
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", send)
    with scope(partnership=admin.partnership):
        assert services.deliver_notification(notification_id=row.pk) == "sent"
    assert seen["attempts"] == 1 and seen["claimed_until"] > timezone.now() and seen["sent_at"] is None
    assert not seen["in_transaction"]  # no savepoint of delivery's own is open while the server talks


def test_rows_whose_every_attempt_died_unrecorded_fail_visibly(admin):
    row = _email_row(_notify(admin.partnership, [admin.user]))
    Notification.objects.filter(pk=row.pk).update(attempts=services.MAX_ATTEMPTS)
    with scope(partnership=admin.partnership):
        assert services.deliver_notification(notification_id=row.pk) == "failed"
    row.refresh_from_db()
    assert row.failed_at is not None and "no result recorded" in row.last_error and mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_database_blip_after_the_send_retries_the_write_not_the_send(partnership, monkeypatch):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    monkeypatch.setattr(delivery, "RECORD_RETRY_PAUSES", (0.05, 0.05))
    monkeypatch.setattr(queueing, "_publish", lambda items: None)
    admin = make_member(partnership, Role.ADMIN)
    row = _email_row(_notify(partnership, [admin.user]))
    sends = []

    def send_then_lose_the_database(self, *args, **kwargs):
        sends.append(self.extra_headers["Message-ID"])
        backend = connection.connection.info.backend_pid
        other_connection = connections.create_connection("default")
        # Another session ends ours, as the login role: the portal's own role may not end a superuser's session.
        with owner_mode(other_connection), other_connection.cursor() as other:
            other.execute("SELECT pg_terminate_backend(%s)", [backend])
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", send_then_lose_the_database)
    with scope(partnership=partnership):
        assert services.deliver_notification(notification_id=row.pk) == "sent"
    with scopes_disabled():
        row.refresh_from_db()
    assert len(sends) == 1 and row.sent_at is not None and row.attempts == 1 and row.claimed_until is None
    with scopes_disabled():
        assert services.global_sweep_unsent(older_than=timedelta(0)) == 0  # nothing left to send again


def test_the_sweeper_queues_overdue_rows_in_batches_and_not_twice(admin, published, settings):
    settings.NOTIFICATION_BATCH_SIZE = 4
    people = [UserFactory() for _ in range(10)]
    for person in people:
        make_member(admin.partnership, Role.BROKER, user=person)
    rows = [_email_row(_notify(admin.partnership, [person])) for person in people]
    Notification.objects.update(due_at=timezone.now() - timedelta(minutes=2))
    # One of them is being sent right now: left alone.
    Notification.objects.filter(pk=rows[0].pk).update(claimed_until=timezone.now() + timedelta(minutes=1))
    assert services.global_sweep_unsent() == 9
    assert [len(message) for message in published] == [4, 4, 1]
    assert services.global_sweep_unsent() == 0  # queued rows are due again only after the grace period


def test_a_batch_shares_one_mail_connection_and_retries_only_the_row_that_failed(admin, monkeypatch):
    people = [make_member(admin.partnership, Role.BROKER).user for _ in range(3)]
    rows = [_email_row(_notify(admin.partnership, [person])) for person in people]
    opened = []
    real_send = mail.EmailMessage.send

    def send(self, *args, **kwargs):
        opened.append(id(self.connection))
        if self.to == [people[1].email]:
            raise smtplib.SMTPServerDisconnected("dropped")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", send)
    retries = []
    outcomes = services.deliver_batch([(admin.partnership.pk, row.pk) for row in rows],
                                      schedule_retry=lambda p, pk, countdown: retries.append((p, pk, countdown)))
    assert outcomes == {"sent": 2, "retry": 1}
    assert retries == [(admin.partnership.pk, rows[1].pk, 60.0)]
    assert len(set(opened)) == 1 and len(mail.outbox) == 2


def _pending(partnership, people, occurrence="bulk"):
    return [services.Pending(event_type="invitation.accepted", recipient=person, occurrence=occurrence,
                             context={"member_name": "Pat", "role_label": "Broker"}) for person in people]


def test_notify_bulk_counts_the_rows_it_wrote(admin):
    people = [make_member(admin.partnership, Role.BROKER).user for _ in range(3)]
    with scope(partnership=admin.partnership):
        assert services.notify_bulk(partnership=admin.partnership, items=_pending(admin.partnership, people)) == 6
        assert services.notify_bulk(partnership=admin.partnership, items=_pending(admin.partnership, people)) == 0


@pytest.mark.django_db(transaction=True)
def test_two_bulk_runs_at_once_each_count_only_the_rows_they_wrote(partnership, monkeypatch):
    """The second run checks for existing rows before the first commits, so its insert meets the first's rows
    and skips them: it must say 0, not the number it tried."""
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    monkeypatch.setattr(queueing, "_publish", lambda items: None)
    people = [make_member(partnership, Role.BROKER).user for _ in range(3)]
    first_wrote, release = threading.Event(), threading.Event()
    counts = {}

    def run(name, hold):
        try:
            with scope(partnership=partnership), transaction.atomic():
                counts[name] = services.notify_bulk(partnership=partnership, items=_pending(partnership, people))
                if hold:
                    first_wrote.set()
                    release.wait(10)
        finally:
            connections.close_all()

    first = threading.Thread(target=run, args=("first", True))
    first.start()
    assert first_wrote.wait(10)
    second = threading.Thread(target=run, args=("second", False))
    second.start()
    second.join(1)
    assert second.is_alive()  # waiting on the first run's uncommitted rows
    release.set()
    first.join(10)
    second.join(10)
    assert counts == {"first": 6, "second": 0}
    with scopes_disabled():
        assert Notification.objects.filter(channel=Channel.EMAIL, delivery=Delivery.IMMEDIATE).count() == 3
