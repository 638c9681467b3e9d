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


@shared_task(name="notifications.sweep")
def sweep_unsent_task() -> int:
    return services.global_sweep_unsent()


@shared_task(name="notifications.weekly_digest")
def weekly_digest_task() -> int:
    return services.global_send_digests()
