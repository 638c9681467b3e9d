"""The Celery app: configuration from Django settings (CELERY_*), the beat schedule in code."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["portal.notifications", "portal.privacy", "alliances", "programmes", "deployments"])

# The request id travels with each task, and the worker logs in the portal's format (before the worker sets up logging).
import portal.observability.celery  # noqa: E402, F401

app.conf.beat_schedule = {
    "notifications.sweep": {"task": "notifications.sweep", "schedule": 60.0},
    "deployments.expire_offers": {"task": "deployments.expire_offers", "schedule": 15 * 60.0},
    # Daily at 06:30 London time (CELERY_TIMEZONE), before the school day, whatever the clocks did overnight.
    # PORTAL_REMINDERS_EVERY (seconds) is for tests that run real beat processes; never set it in production.
    # PORTAL_REMINDERS_TODAY pins the date those runs work for.
    "deployments.reminders": {"task": "deployments.reminders", "schedule": (
        float(os.environ["PORTAL_REMINDERS_EVERY"]) if os.environ.get("PORTAL_REMINDERS_EVERY")
        else crontab(hour=6, minute=30)),
        "kwargs": {"today": os.environ["PORTAL_REMINDERS_TODAY"]} if os.environ.get("PORTAL_REMINDERS_TODAY") else {}},
    # The catalogue's reminders (programmes.reminders): order windows, orders waiting, unused and low entitlements.
    "programmes.reminders": {"task": "programmes.reminders", "schedule": crontab(hour=6, minute=40)},
    "notifications.weekly_digest": {
        "task": "notifications.weekly_digest",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
    },
}

# Data protection: the retention periods (settings.RETENTION_DAYS), daily at 03:15 London time, when nobody works.
app.conf.beat_schedule["privacy.retention"] = {"task": "privacy.retention", "schedule": crontab(hour=3, minute=15)}
