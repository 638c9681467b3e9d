"""Beat tasks for system leadership."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from leadership.recruitment.reminders import run_recruitment_reminders


@shared_task(name="leadership.recruitment_reminders")
def recruitment_reminders_task(today: str | None = None) -> dict:
    """The daily run of recruitment's reminders. Safe to repeat or to run twice at once: each has a unique key."""
    summary = run_recruitment_reminders(today=date.fromisoformat(today) if today else None)
    return {"partnerships": summary.partnerships, "reminders": summary.reminders}
