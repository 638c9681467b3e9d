from __future__ import annotations

from celery import shared_task

from portal.notifications import services
from portal.tasks import PartnershipTask


@shared_task(
    base=PartnershipTask,
    name="notifications.deliver",
    autoretry_for=(services.TransientDeliveryError,),
    retry_backoff=15,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=services.MAX_ATTEMPTS,
)
def deliver_notification_task(partnership_id: int, notification_id: int) -> str:
    return services.deliver_notification(notification_id=notification_id)


@shared_task(name="notifications.sweep")
def sweep_unsent_task() -> int:
    return services.global_sweep_unsent()


@shared_task(name="notifications.weekly_digest")
def weekly_digest_task() -> int:
    return services.global_send_digests()
