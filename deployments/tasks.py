"""Beat tasks for brokerage."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from deployments.brokerage import offers
from deployments.reviews.reminders import BATCH, run_reminders
from portal import change_log


@shared_task(name="deployments.expire_offers")
def expire_offers_task() -> int:
    """Expire open offers past their time, in every partnership. Safe to run twice: each is a compare-and-set."""
    return offers.expire_due_offers()


@shared_task(name="deployments.reminders")
def reminders_task(today: str | None = None, batch: int | None = None) -> dict:
    """The daily reminder run. Safe to repeat or to run twice at once: every reminder has a unique key."""
    summary = run_reminders(today=date.fromisoformat(today) if today else None, batch=batch or BATCH)
    # The changes matching's kept rankings and the dashboards' kept figures were checked against, once a day: each
    # is worked out again once (deployments migrations 0013 and 0014), and the rows a view counts stay a day's worth.
    change_log.prune_all()
    return {"partnerships": summary.partnerships, "reminders": summary.reminders,
            "reviews_created": summary.reviews_created}
