from __future__ import annotations

from celery import shared_task

from api import webhooks
from portal.tasks import PartnershipTask


@shared_task(bind=True, base=PartnershipTask, name="webhooks.deliver", acks_late=True)
def deliver_webhooks_task(self, partnership_id: int, delivery_ids: list[int]) -> list[str]:
    """Send the rows one transaction wrote; failures wait for the sweeper, after their backoff."""
    return [webhooks.deliver(pk) for pk in delivery_ids]


@shared_task(name="webhooks.sweep")
def sweep_webhooks_task() -> int:
    return webhooks.global_sweep()
