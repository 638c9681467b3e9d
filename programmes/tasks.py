"""Beat tasks for the catalogue, orders and entitlements."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from programmes.delivery.reminders import run_delivery_reminders
from programmes.places.jobs import run_place_offers
from programmes.reminders import run_programme_reminders


@shared_task(name="programmes.reminders")
def programme_reminders_task(today: str | None = None) -> dict:
    """The daily run of the catalogue's reminders. Safe to repeat or to run twice at once: each has a unique key."""
    summary = run_programme_reminders(today=date.fromisoformat(today) if today else None)
    return {"partnerships": summary.partnerships, "reminders": summary.reminders}


@shared_task(name="programmes.place_offers")
def place_offers_task() -> dict:
    """The daily run over waitlist offers: lapse the expired ones (passing each place on) and remind those about
    to lapse, once each."""
    summary = run_place_offers()
    return {"partnerships": summary.partnerships, "lapsed": summary.lapsed, "reminders": summary.reminders}
@shared_task(name="programmes.delivery_reminders")
def delivery_reminders_task(today: str | None = None) -> dict:
    """The daily run of the programme delivery reminders (sessions, registers, evaluations, impact on the school)."""
    summary = run_delivery_reminders(today=date.fromisoformat(today) if today else None)
    return {"partnerships": summary.partnerships, "reminders": summary.reminders}
