"""Delivering outbox emails: claim a row with a lease, send with no transaction open, record the result.

See `deliver_notification` for the steps and the README ("When Redis fails") for the duplicate guarantee.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django_scopes import scope

from portal.notifications import notify
from portal.notifications.events import get_event
from portal.notifications.models import SENT_BY_WORKERS, Channel, Delivery, Notification
from portal.tenancy.models import Partnership
from portal.tenancy.rls import cross_partnership

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10


def retry_delay(attempts: int) -> timedelta:
    """Back off 1, 2, 4 ... minutes after each failed attempt, at most an hour (about 4 hours in all)."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


class TransientDeliveryError(Exception):
    """The mail server could not take the message now; try again after `countdown` seconds."""

    def __init__(self, message: str, *, countdown: float):
        super().__init__(message)
        self.countdown = countdown


def _render_title(template: str, context: dict[str, Any]) -> str:
    subject = render_to_string(f"emails/{template}-subject.txt", context)
    return " ".join(subject.split())[:255]


def email_context(notification: Notification) -> dict[str, Any]:
    return {
        **notification.context,
        "recipient_name": notification.recipient.get_short_name() if notification.recipient else "",
        "link_url": f"{settings.SITE_URL}{notification.link}" if notification.link else "",
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "preferences_url": f"{settings.SITE_URL}/account/notifications/",
    }


def build_email(notification: Notification) -> EmailMultiAlternatives:
    event = get_event(notification.event_type)
    context = email_context(notification)
    subject = _render_title(event.template, context)
    text = render_to_string(f"emails/{event.template}-body.txt", context)
    html = render_to_string(f"emails/{event.template}-body.html", context)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=text,
        to=[notification.email],
        headers={"Message-ID": notification.message_id, "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    # For GOV.UK Notify (portal/notifications/notify.py): its template kind, personalisation and reference.
    message.notify = notify.NotifyMessage(
        kind=notification.event_type, reference=notify_reference(notification), retry=notification.attempts > 1,
        personalisation=notify.personalisation_of(context, subject=subject, body=text))
    return message


def notify_reference(notification: Notification) -> str:
    """The row's id, as GOV.UK Notify's `reference`: the same on every attempt."""
    return f"notification-{notification.pk}"


def send_text_message(notification: Notification) -> None:
    """Send one text-message row through GOV.UK Notify, to the number the recipient has now (none, or no longer
    agreed: the row fails for good, nothing is sent)."""
    user = notification.recipient
    if user is None or not user.wants_text_reminders:
        raise notify.NotifyError("The recipient no longer has text reminders on.", transient=False)
    context = email_context(notification)
    message = notify.NotifyMessage(
        kind=notification.event_type, reference=notify_reference(notification), retry=notification.attempts > 1,
        personalisation=notify.personalisation_of(context, subject=notification.title))
    api = notify.client()
    try:
        notify.send_text(api, phone_number=user.mobile_number, notify=message)
    finally:
        api.request_session.close()


def _is_transient(error: Exception) -> bool:
    if isinstance(error, notify.NotifyError):
        return error.transient
    if isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        code = getattr(error, "smtp_code", None)
        return code is not None and 400 <= code < 500
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPException | ConnectionError | TimeoutError | OSError)


def deliver_notification(*, notification_id: int, connection=None) -> str:
    """Send one email row, once. Call inside the row's partnership scope.

    Three steps, so no transaction is open while the mail server talks: claim the row (a short transaction
    that counts the attempt and takes a lease of NOTIFICATION_LEASE), send, then record the result in another
    short transaction, retrying that write (never the send) while the database is unreachable. Two workers
    given the same row send it once: the second finds it claimed ("being sent") or sent ("already sent").
    A worker that dies after the server accepted the message and before the write leaves the row claimed; when
    the lease ends the sweeper sends it again with the same Message-ID (the README's duplicate guarantee).
    Transient errors raise TransientDeliveryError for the caller to retry after its countdown.
    `connection` is an open mail connection to reuse (a batch shares one).
    """
    claimed, outcomes = _claim([notification_id], wait=True)
    if not claimed:
        return outcomes.get(notification_id, "missing")
    return _send_and_record(claimed[0], connection)


def _claim(ids: list[int], *, wait: bool) -> tuple[list[Notification], dict[int, str]]:
    """Claim the deliverable rows among `ids` in one short transaction: count an attempt on each and lease it
    for NOTIFICATION_LEASE. Returns the claimed rows and, for the others, why not. With `wait` false a row
    another worker is claiming right now is skipped rather than waited for."""
    now = timezone.now()
    outcomes: dict[int, str] = {}
    claimed: list[Notification] = []
    with transaction.atomic():
        rows = Notification.objects.select_for_update(skip_locked=not wait).filter(pk__in=ids)
        found = {row.pk: row for row in rows}
        for pk in ids:
            row = found.get(pk)
            if row is None:
                outcomes[pk] = "missing" if wait else "missing or being claimed"
            elif row.sent_at or row.failed_at:
                outcomes[pk] = "already sent"
            elif row.channel not in SENT_BY_WORKERS or row.delivery != Delivery.IMMEDIATE:
                outcomes[pk] = "not for immediate delivery"
            elif row.claimed_until and row.claimed_until > now:
                outcomes[pk] = "being sent"
            elif row.attempts >= MAX_ATTEMPTS:
                outcomes[pk] = _give_up_unrecorded(row, now)
            elif row.pk not in outcomes:
                outcomes[row.pk] = "claimed"
                claimed.append(row)
        if claimed:
            lease = now + settings.NOTIFICATION_LEASE
            Notification.objects.filter(pk__in=[row.pk for row in claimed]).update(
                attempts=F("attempts") + 1, claimed_until=lease)
            for row in claimed:
                row.attempts += 1
                row.claimed_until = lease
    return claimed, {pk: outcome for pk, outcome in outcomes.items() if outcome != "claimed"}


def _give_up_unrecorded(row: Notification, now) -> str:
    """Every attempt on the row was claimed and none recorded a result (each worker died): stop, visibly."""
    row.failed_at = now
    row.last_error = f"Gave up after {row.attempts} attempts with no result recorded. {row.last_error}"[:2000]
    if get_event(row.event_type).secret_link:
        row.link = ""
    row.save(update_fields=["failed_at", "last_error", "link"])
    logger.error("Giving up on notification %s: %s attempts, none recorded.", row.pk, row.attempts)
    return "failed"


def _send_and_record(notification: Notification, connection=None) -> str:
    try:
        if notification.channel == Channel.SMS:
            send_text_message(notification)
        else:
            message = build_email(notification)
            message.connection = connection
            message.send()
    except Exception as error:
        return _record_failure(notification, error)
    changes = {"sent_at": timezone.now(), "last_error": "", "claimed_until": None}
    if get_event(notification.event_type).secret_link:
        changes["link"] = ""
    _write_result(notification.pk, changes, durable=False)
    return "sent"


def _record_failure(notification: Notification, error: Exception) -> str:
    attempts = notification.attempts  # this attempt was counted when the row was claimed
    gave_up = not _is_transient(error) or attempts >= MAX_ATTEMPTS
    delay = retry_delay(attempts)
    changes: dict[str, Any] = {"last_error": repr(error)[:2000], "claimed_until": None}
    if gave_up:
        changes["failed_at"] = timezone.now()
        if get_event(notification.event_type).secret_link:
            changes["link"] = ""
    else:
        changes["due_at"] = timezone.now() + delay
    _write_result(notification.pk, changes)
    if gave_up:
        logger.error("Giving up on notification %s after %s attempts: %r", notification.pk, attempts, error)
        return "failed"
    raise TransientDeliveryError(str(error), countdown=delay.total_seconds()) from error


#: True while deliver_batch has turned off waiting for the flush for its whole session (one statement, not one
#: per message).
_commits_without_flush = False

#: Pauses between tries of recording a delivery's result while the database is unreachable (about a minute
#: in all, well inside the lease, so the row is not sent again while its result is still being written).
RECORD_RETRY_PAUSES = (0.2, 0.5, 1, 2, 4, 8, 15, 30)


def _write_result(notification_id: int, changes: dict[str, Any], *, durable: bool = True) -> None:
    """Record a delivery's result, trying again on a fresh database connection when the write fails.

    A success is committed without waiting for PostgreSQL to flush it to disk (`durable=False`): the write
    is visible at once and survives any crash of the worker, and only a crash of the database server itself
    in the next fraction of a second could lose it (that message would then go again, with its Message-ID).
    Waiting for the flush on every message would cap a worker at a couple of hundred messages a second.
    """
    for pause in (*RECORD_RETRY_PAUSES, None):
        try:
            with transaction.atomic():
                if not durable and not _commits_without_flush and connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                Notification.objects.filter(pk=notification_id, sent_at__isnull=True).update(**changes)
            return
        except (OperationalError, InterfaceError) as error:
            if pause is None or connection.in_atomic_block:  # out of tries, or inside a caller's transaction
                raise
            logger.warning("Recording the result of notification %s failed (%s); trying again in %ss.",
                           notification_id, error, pause)
            connection.close()  # the next query opens a new connection
            time.sleep(pause)


def deliver_batch(items: Iterable[tuple[int, int]], *, schedule_retry: Callable[[int, int, float], object]) -> dict[str, int]:
    """Deliver many rows (a request's, or a chunk of the sweeper's) over one mail connection.

    The rows of each partnership are claimed CLAIM_AT_ONCE at a time in one short transaction (rows another
    worker is claiming are skipped), then each is sent and its result recorded as by deliver_notification; a
    row whose lease has too little time left is not sent (the sweeper queues it when the lease ends). One row's
    transient failure is handed to `schedule_retry(partnership_id, notification_id, countdown)` and the batch
    carries on. Returns how many rows had each outcome.
    """
    outcomes: dict[str, int] = {}

    def count(outcome: str, n: int = 1) -> None:
        outcomes[outcome] = outcomes.get(outcome, 0) + n

    by_partnership: dict[int, list[int]] = {}
    for partnership_id, pk in items:
        by_partnership.setdefault(int(partnership_id), []).append(int(pk))
    with cross_partnership("delivery: the partnerships of a batch of rows", quiet=True):
        partnerships = Partnership.objects.filter(is_active=True).in_bulk(list(by_partnership))
    mail = get_connection()
    _open(mail)
    _flush_commits(wait=False)
    try:
        for partnership_id, ids in by_partnership.items():
            partnership = partnerships.get(partnership_id)
            if partnership is None:
                count("partnership inactive", len(ids))
                continue
            with scope(partnership=partnership):
                for start in range(0, len(ids), CLAIM_AT_ONCE):
                    claimed, skipped = _claim(ids[start:start + CLAIM_AT_ONCE], wait=False)
                    for outcome in skipped.values():
                        count(outcome)
                    for notification in claimed:
                        count(_deliver_claimed(notification, partnership_id, mail, schedule_retry))
    finally:
        mail.close()
        _flush_commits(wait=True)
    return outcomes


#: Rows claimed in one transaction within a batch: few enough that the last is sent long before the lease ends.
CLAIM_AT_ONCE = 10


def _deliver_claimed(notification: Notification, partnership_id: int, mail, schedule_retry) -> str:
    # Never start a send the lease might not cover: past it, the sweeper may already have handed the row on.
    margin = min(LEASE_MARGIN, settings.NOTIFICATION_LEASE / 2)
    if timezone.now() + margin >= notification.claimed_until:
        return "lease ran out"
    try:
        return _send_and_record(notification, mail)
    except TransientDeliveryError as error:
        mail.close()  # the server may have dropped it: a fresh connection for the next
        _open(mail)
        try:
            schedule_retry(partnership_id, notification.pk, error.countdown)
        except Exception:  # its due_at is set; the sweeper retries it
            logger.warning("Could not schedule the retry of notification %s.", notification.pk, exc_info=True)
        return "retry"


#: The longest one send may take (a few SMTP exchanges, each bounded by EMAIL_TIMEOUT), or half the lease.
LEASE_MARGIN = timedelta(seconds=60)


def _open(mail) -> None:
    """Open the batch's mail connection now, so every message goes over it (a backend opened by `send()`
    itself closes again after each message). A server that is down fails each send instead, transiently."""
    try:
        mail.open()
    except Exception:
        logger.warning("Could not connect to the mail server; each message will try on its own.", exc_info=True)


def _flush_commits(*, wait: bool) -> None:
    """Whether this database session's commits wait for the disk (see _write_result), for a whole batch."""
    global _commits_without_flush
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit" if wait else "SET synchronous_commit TO OFF")
    except (OperationalError, InterfaceError):  # a lost connection's settings go with it
        connection.close()
        wait = True
    _commits_without_flush = not wait
