"""The notification outbox: write rows in the caller's transaction, deliver them once, afterwards."""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from portal.accounts.models import User
from portal.breaker import CircuitBreaker
from portal.notifications.events import EVENTS, get_event
from portal.notifications.models import Channel, Delivery, Notification, NotificationPreference, Preference
from portal.tenancy.models import Partnership

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


def _preferences_for(users: list[User]) -> dict[tuple[int, str], str]:
    rows = NotificationPreference.objects.filter(user__in=[user.pk for user in users]).values_list(
        "user_id", "event_type", "choice"
    )
    return {(user_id, event_type): choice for user_id, event_type, choice in rows}


def _channels(event, user: User | None, preferences: dict[tuple[int, str], str]) -> list[tuple[str, str]]:
    """Where one event goes for one recipient: in the app for users (unless email only), and by email now, in
    the weekly digest or not at all as the user chose (mandatory events and addresses without an account: now)."""
    rows: list[tuple[str, str]] = []
    if user and not event.email_only:
        rows.append((Channel.IN_APP, Delivery.IMMEDIATE))
    choice = Preference.IMMEDIATE if event.mandatory or not user else preferences.get((user.pk, event.key))
    if choice == Preference.DIGEST:
        rows.append((Channel.EMAIL, Delivery.DIGEST))
    elif choice != Preference.OFF:
        rows.append((Channel.EMAIL, Delivery.IMMEDIATE))
    return rows


def subject_of(occurrence: str) -> str:
    """What an occurrence is about: `offer:42:made` is about `offer:42`."""
    return ":".join(occurrence.split(":")[:2])[:60]


def _rows(*, partnership: Partnership, event, occurrence: str, user: User | None, email: str,
          preferences: dict[tuple[int, str], str], title: str, link: str, context: dict[str, Any],
          now=None) -> list[Notification]:
    """The unsaved outbox rows for one event to one recipient: one per channel, each with its unique key (the
    same event, occurrence, recipient and channel is written once, ever). In-app rows are delivered by being
    written."""
    now = now or timezone.now()
    who = f"user{user.pk}" if user else email
    return [Notification(
        partnership=partnership, recipient=user, email=email, channel=channel, delivery=delivery,
        event_type=event.key, subject=subject_of(occurrence), title=title, link=link, context=context,
        dedupe_key=f"{partnership.pk}:{event.key}:{occurrence}:{who}:{channel}"[:255],
        sent_at=now if channel == Channel.IN_APP else None,
    ) for channel, delivery in _channels(event, user, preferences)]


def notify(
    *,
    partnership: Partnership,
    event_type: str,
    recipients: Iterable[User | str],
    occurrence: str,
    context: dict[str, Any],
    link: str = "",
) -> list[Notification]:
    """Write outbox rows for `event_type` to each recipient (a user, or an email address without an account).

    Call it inside the transaction that makes the change. `occurrence` names the cause (for example
    `invitation:42`): the same event for the same occurrence and recipient is written once, ever.
    Email rows that go out straight away are queued for delivery when the transaction commits.
    """
    event = get_event(event_type)
    context = {**context, "partnership_name": partnership.name}
    title = _render_title(event.template, context)
    recipients = list(recipients)
    users = [recipient for recipient in recipients if isinstance(recipient, User)]
    preferences = _preferences_for(users) if users and not event.mandatory else {}
    created: list[Notification] = []
    for recipient in recipients:
        user = recipient if isinstance(recipient, User) else None
        email = user.email if user else str(recipient).lower()
        for row in _rows(partnership=partnership, event=event, occurrence=occurrence, user=user, email=email,
                         preferences=preferences, title=title, link=link, context=context):
            fields = {f.attname: getattr(row, f.attname) for f in Notification._meta.concrete_fields
                      if f.attname not in ("id", "dedupe_key")}
            notification, was_created = Notification.objects.get_or_create(dedupe_key=row.dedupe_key, defaults=fields)
            if was_created:
                created.append(notification)
    queue_on_commit(partnership_id=partnership.pk, notification_ids=[
        n.pk for n in created if n.channel == Channel.EMAIL and n.delivery == Delivery.IMMEDIATE])
    return created


@dataclass(frozen=True)
class Pending:
    """One notification to write in bulk: what, to whom, for which occurrence."""

    event_type: str
    recipient: User
    occurrence: str
    context: dict[str, Any]
    link: str = ""


def notify_bulk(*, partnership: Partnership, items: list[Pending]) -> int:
    """Write outbox rows for many notifications in a fixed number of queries (reminder runs use it).

    Same rules as `notify`: one row per event, occurrence, recipient and channel, ever (the unique dedupe
    key, with conflicts ignored, so two runs at once write each row once); preferences apply; emails
    that go out now are queued for delivery on commit. Returns the number of rows written.
    """
    if not items:
        return 0
    preferences = _preferences_for(list({item.recipient.pk: item.recipient for item in items}.values()))
    rows: list[Notification] = []
    now = timezone.now()
    for item in items:
        event = get_event(item.event_type)
        context = {**item.context, "partnership_name": partnership.name}
        rows.extend(_rows(partnership=partnership, event=event, occurrence=item.occurrence, user=item.recipient,
                          email=item.recipient.email, preferences=preferences, title=_render_title(event.template, context),
                          link=item.link, context=context, now=now))
    keys = [row.dedupe_key for row in rows]
    existing = set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    new = [row for row in rows if row.dedupe_key not in existing]
    for row in new:
        row.created_at = now  # the stamp that tells this call's rows from any a concurrent run wrote
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    # Conflicting inserts (another run writing the same keys at once) were skipped without a word, so
    # count what is really there from this call: its keys, with its creation stamp.
    written = list(Notification.objects.filter(dedupe_key__in=[row.dedupe_key for row in new], created_at=now)
                   .values_list("pk", "channel", "delivery"))
    queue_on_commit(partnership_id=partnership.pk, notification_ids=[
        pk for pk, channel, delivery in written if channel == Channel.EMAIL and delivery == Delivery.IMMEDIATE])
    return len(written)


# --- Queueing deliveries: at most one message per transaction, and never a long wait on the broker -----------

# How deliveries are published: one Celery message carrying [partnership id, notification id] pairs, plugged
# in by the app's ready() (the task module imports this one, so this one cannot import it back).
_publish: Callable[[list[tuple[int, int]]], object] | None = None

broker = CircuitBreaker("Celery broker", cool_off=lambda: settings.REDIS_COOL_OFF,
                        consequence="new notifications wait in the outbox for the sweeper meanwhile")


# How many delivery messages wait in the broker's queue (for the sweeper's back-pressure), plugged in likewise.
_waiting: Callable[[], int] | None = None


def set_delivery_queue(publish: Callable[[list[tuple[int, int]]], object], waiting: Callable[[], int] | None = None) -> None:
    global _publish, _waiting
    _publish, _waiting = publish, waiting


class _DeliveriesOnCommit:
    """The email rows written in one transaction, published as one message when it commits."""

    def __init__(self):
        self.items: list[tuple[int, int]] = []

    def __call__(self) -> None:
        # Rows written in a savepoint that was rolled back are in the list but not in the database: drop them.
        with scopes_disabled():
            written = set(Notification.objects.filter(pk__in=[pk for _, pk in self.items]).values_list("pk", flat=True))
        publish_deliveries([item for item in self.items if item[1] in written])


def queue_on_commit(*, partnership_id: int, notification_ids: Iterable[int]) -> None:
    """Queue delivery of these rows when the surrounding transaction commits, in the same single message as
    every other row the transaction wrote (a request that notifies six people publishes once). Outside a
    transaction, publish now."""
    items = [(partnership_id, pk) for pk in notification_ids]
    if not items:
        return
    db = transaction.get_connection()
    if not db.in_atomic_block:
        publish_deliveries(items)
        return
    # The transaction's pending callbacks: a rolled-back savepoint takes its own out of the list, so one found
    # here will run on commit (and on commit it skips rows that a rolled-back savepoint took away).
    pending = next((entry[1] for entry in db.run_on_commit if isinstance(entry[1], _DeliveriesOnCommit)), None)
    if pending is None:
        pending = _DeliveriesOnCommit()
        transaction.on_commit(pending)
    pending.items.extend(items)


def _broker_down_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import KombuError
    from redis.exceptions import RedisError

    return (KombuError, RedisError, OSError, TimeoutError)


def publish_deliveries(items: list[tuple[int, int]]) -> bool:
    """Publish one message asking a worker to deliver these rows. Never raises and never waits more than the
    broker's short timeouts: when the broker fails (or failed less than REDIS_COOL_OFF seconds ago) the rows are
    left to the sweeper, made due at once so its next run after the broker returns takes them."""
    if not items:
        return True
    if _publish is None:
        raise RuntimeError("No delivery queue: portal.apps.PortalConfig.ready() plugs in the Celery task.")
    if broker.allow():
        try:
            _publish(list(items))
        except _broker_down_errors() as error:
            broker.failed(error)  # logged once per outage
        except Exception:
            logger.exception("Could not queue delivery of notifications %s; the sweeper will queue them.",
                             [pk for _, pk in items])
        else:
            broker.succeeded()
            return True
    _leave_for_the_sweeper([pk for _, pk in items])
    return False


def _leave_for_the_sweeper(ids: list[int]) -> None:
    overdue = timezone.now() - settings.NOTIFICATION_SWEEP_AFTER
    try:
        with scopes_disabled():
            Notification.objects.filter(pk__in=ids, sent_at__isnull=True, claimed_until__isnull=True).update(due_at=overdue)
    except Exception:  # the rows are committed and still due; the sweeper takes them after its grace period
        logger.warning("Could not mark notifications %s for the sweeper.", ids, exc_info=True)


def enqueue_delivery(*, partnership_id: int, notification_ids: Iterable[int]) -> bool:
    """Queue delivery of one partnership's rows now, in one message (see publish_deliveries)."""
    return publish_deliveries([(partnership_id, pk) for pk in notification_ids])


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
    return message


def _is_transient(error: Exception) -> bool:
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
            elif row.channel != Channel.EMAIL or row.delivery != Delivery.IMMEDIATE:
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
    from django.core.mail import get_connection

    outcomes: dict[str, int] = {}

    def count(outcome: str, n: int = 1) -> None:
        outcomes[outcome] = outcomes.get(outcome, 0) + n

    by_partnership: dict[int, list[int]] = {}
    for partnership_id, pk in items:
        by_partnership.setdefault(int(partnership_id), []).append(int(pk))
    with scopes_disabled():
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


def global_sweep_unsent(*, older_than: timedelta | None = None, limit: int | None = None) -> int:
    """Queue again every email row whose delivery is overdue by `older_than` (NOTIFICATION_SWEEP_AFTER), in
    every active partnership, NOTIFICATION_BATCH_SIZE rows to a message. Returns the number of rows queued.

    A row waiting for a scheduled retry is not overdue until its `due_at` passes, and a row a worker has
    claimed is left alone until the claim's lease ends, so the sweeper catches only lost work (broker down,
    worker killed), never doubles a retry chain. Queued rows are due again from now, and a run that finds more
    than NOTIFICATION_SWEEP_QUEUE_LIMIT messages still queued does nothing, so a backlog is not queued twice
    while workers work through it. Stops at the first message the broker refuses.
    """
    if _waiting is not None:
        try:
            waiting = _waiting()
        except Exception:  # the publish below finds out whether the broker is there
            waiting = 0
        if waiting > settings.NOTIFICATION_SWEEP_QUEUE_LIMIT:
            # Workers are still busy with earlier messages (very likely carrying these rows): queueing the
            # rows again would only make them work through each twice. Once the queue drains, the next run
            # queues whatever is still overdue.
            logger.info("The sweeper waits: %s delivery messages are still queued.", waiting)
            return 0
    now = timezone.now()
    cutoff = now - (older_than if older_than is not None else settings.NOTIFICATION_SWEEP_AFTER)
    with scopes_disabled():
        rows = list(
            Notification.objects.filter(
                Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
                channel=Channel.EMAIL,
                delivery=Delivery.IMMEDIATE,
                sent_at__isnull=True,
                failed_at__isnull=True,
                due_at__lte=cutoff,
                partnership__is_active=True,
            )
            .order_by("due_at")
            .values_list("partnership_id", "id")[: limit or settings.NOTIFICATION_SWEEP_LIMIT]
        )
    size = max(settings.NOTIFICATION_BATCH_SIZE, 1)
    queued = 0
    for start in range(0, len(rows), size):
        chunk = rows[start:start + size]
        with scopes_disabled():
            Notification.objects.filter(pk__in=[pk for _, pk in chunk], due_at__lte=cutoff).update(due_at=now)
        if not publish_deliveries(chunk):
            break
        queued += len(chunk)
    if queued:
        logger.info("The sweeper queued %s overdue notifications.", queued)
    return queued


def send_digest(*, partnership: Partnership, recipient: User) -> int:
    """Send one email listing every digest row waiting for `recipient` in `partnership`; mark them sent."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(
                recipient=recipient,
                channel=Channel.EMAIL,
                delivery=Delivery.DIGEST,
                sent_at__isnull=True,
                failed_at__isnull=True,
            )
            .order_by("created_at", "id")
        )
        if not rows:
            return 0
        context = {
            "recipient_name": recipient.get_short_name(),
            "partnership_name": partnership.name,
            "items": [
                {"title": row.title, "link_url": f"{settings.SITE_URL}{row.link}" if row.link else "",
                 "created_at": row.created_at}
                for row in rows
            ],
            "site_name": settings.SITE_NAME,
            "preferences_url": f"{settings.SITE_URL}/account/notifications/",
        }
        subject = _render_title("digest", context)
        message = EmailMultiAlternatives(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            body=render_to_string("emails/digest-body.txt", context),
            to=[recipient.email],
            headers={
                "Message-ID": f"<digest-{partnership.pk}.{recipient.pk}.{rows[-1].pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>",
                "Auto-Submitted": "auto-generated",
            },
        )
        message.attach_alternative(render_to_string("emails/digest-body.html", context), "text/html")
        message.send()
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(sent_at=timezone.now())
    return len(rows)


def global_send_digests() -> int:
    """Send the weekly digest to everyone who has digest rows waiting, partnership by partnership."""
    with scopes_disabled():
        pairs = list(
            Notification.objects.filter(
                channel=Channel.EMAIL, delivery=Delivery.DIGEST, sent_at__isnull=True, failed_at__isnull=True,
                partnership__is_active=True,
            )
            .values_list("partnership_id", "recipient_id")
            .distinct()
        )
        partnerships = Partnership.objects.in_bulk({p for p, _ in pairs})
        users = User.objects.in_bulk({u for _, u in pairs if u})
    sent = 0
    for partnership_id, user_id in pairs:
        if user_id not in users:
            continue
        partnership = partnerships[partnership_id]
        with scope(partnership=partnership):
            try:
                sent += send_digest(partnership=partnership, recipient=users[user_id])
            except Exception:
                logger.exception("Digest for user %s in partnership %s failed; next run retries.", user_id, partnership_id)
    return sent


def mark_read(*, notification: Notification, user: User) -> None:
    if notification.recipient_id != user.pk:
        raise PermissionError("That notification is not yours.")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def mark_all_read(*, partnership: Partnership, user: User) -> int:
    return Notification.objects.filter(
        partnership=partnership, recipient=user, channel=Channel.IN_APP, read_at__isnull=True
    ).update(read_at=timezone.now())


def set_preferences(*, user: User, choices: dict[str, str]) -> None:
    """Save the user's choice per configurable event; mandatory events are always sent straight away."""
    with transaction.atomic():
        for event_type, choice in choices.items():
            event = EVENTS[event_type]
            if event.mandatory:
                continue
            NotificationPreference.objects.update_or_create(
                user=user, event_type=event_type, defaults={"choice": Preference(choice)}
            )
