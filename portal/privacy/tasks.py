from __future__ import annotations

from celery import shared_task

from portal.privacy import retention


@shared_task(name="privacy.retention")
def enforce_retention_task() -> dict[str, int]:
    """The daily retention run (every partnership at once; safe to run twice, or twice at the same time)."""
    return retention.global_enforce_retention()
