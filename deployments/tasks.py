"""Beat tasks for brokerage."""

from __future__ import annotations

from celery import shared_task

from deployments import offers


@shared_task(name="deployments.expire_offers")
def expire_offers_task() -> int:
    """Expire open offers past their time, in every partnership. Safe to run twice: each is a compare-and-set."""
    return offers.expire_due_offers()
