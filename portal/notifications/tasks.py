from __future__ import annotations

from celery import shared_task

from portal.notifications import services
from portal.tasks import PartnershipTask


@shared_task(bind=True, base=PartnershipTask, name="notifications.deliver", max_retries=services.MAX_ATTEMPTS)
def deliver_notification_task(self, partnership_id: int, notification_id: int) -> str:
    """Send one outbox email. Retries only transient SMTP/connection errors, with the row's own backoff."""
    try:
        return services.deliver_notification(notification_id=notification_id)
    except services.TransientDeliveryError as error:
        raise self.retry(exc=error, countdown=error.countdown) from error


@shared_task(bind=True, name="notifications.deliver_many")
def deliver_many_task(self, items: list[list[int]]) -> dict[str, int]:
    """Send the outbox emails one transaction (or one sweep chunk) wrote: `items` are [partnership id,
    notification id] pairs. A row that fails transiently gets its own retry task, after its backoff."""

    def schedule_retry(partnership_id: int, notification_id: int, countdown: float) -> None:
        if self.request.is_eager:
            return  # no worker to wait for the countdown: the row's due_at is set and the sweeper retries it
        deliver_notification_task.apply_async((partnership_id, notification_id), countdown=countdown)

    return services.deliver_batch(items, schedule_retry=schedule_retry)


def waiting_messages() -> int:
    """How many messages wait in the portal's queue (0 when tasks run inline)."""
    app = deliver_many_task.app
    if app.conf.task_always_eager:
        return 0
    queue = app.conf.task_default_queue
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        if hasattr(channel, "_size"):  # Redis and the other virtual transports: the list's length
            return channel._size(queue)
        return channel.queue_declare(queue=queue, passive=True).message_count


@shared_task(name="notifications.sweep")
def sweep_unsent_task() -> int:
    return services.global_sweep_unsent()


@shared_task(name="notifications.weekly_digest")
def weekly_digest_task() -> int:
    return services.global_send_digests()
