"""Beat task for designation review reminders (registered from LeadershipConfig.ready())."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from leadership.quality.reminders import run_designation_reminders


@shared_task(name="leadership.designation_reminders")
def designation_reminders_task(today: str | None = None) -> dict:
    """The daily run of designation review reminders. Safe to repeat or to run twice at once: each has a unique key."""
    summary = run_designation_reminders(today=date.fromisoformat(today) if today else None)
    return {"partnerships": summary.partnerships, "reminders": summary.reminders}
