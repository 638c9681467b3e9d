"""Queueing outbox emails for delivery: one message per transaction, a breaker in front of the broker, and
the sweeper that queues whatever the broker never got or lost."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.breaker import CircuitBreaker
from portal.notifications.models import SENT_BY_WORKERS, Delivery, Notification
from portal.tenancy.rls import cross_partnership

logger = logging.getLogger(__name__)

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
        with cross_partnership("queueing: which of this request's rows were written", quiet=True):
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
        with cross_partnership("queueing: leave rows the broker refused to the sweeper", quiet=True):
            Notification.objects.filter(pk__in=ids, sent_at__isnull=True, claimed_until__isnull=True).update(due_at=overdue)
    except Exception:  # the rows are committed and still due; the sweeper takes them after its grace period
        logger.warning("Could not mark notifications %s for the sweeper.", ids, exc_info=True)


def enqueue_delivery(*, partnership_id: int, notification_ids: Iterable[int]) -> bool:
    """Queue delivery of one partnership's rows now, in one message (see publish_deliveries)."""
    return publish_deliveries([(partnership_id, pk) for pk in notification_ids])


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
    with cross_partnership("sweeper: overdue notifications in every partnership"):
        rows = list(
            Notification.objects.filter(
                Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
                channel__in=SENT_BY_WORKERS,
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
        with cross_partnership("sweeper: mark a chunk queued", quiet=True):
            Notification.objects.filter(pk__in=[pk for _, pk in chunk], due_at__lte=cutoff).update(due_at=now)
        if not publish_deliveries(chunk):
            break
        queued += len(chunk)
    if queued:
        logger.info("The sweeper queued %s overdue notifications.", queued)
    return queued
