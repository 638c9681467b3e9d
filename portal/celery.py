"""The Celery app: configuration from Django settings (CELERY_*), the beat schedule in code."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from celery.worker.consumer import Consumer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from django.conf import settings  # noqa: E402  (after DJANGO_SETTINGS_MODULE is set)


class ResilientConsumer(Consumer):
    """Celery's consumer, reconnecting to the broker every CELERY_RECONNECT_MAX seconds at most.

    Celery waits 2, 4, 6 ... up to 30 seconds between attempts, so after a minute's outage a worker
    could sit idle for half a minute after Redis came back. Retries never stop (the setting
    CELERY_BROKER_CONNECTION_MAX_RETRIES is None): a worker outlives any outage.
    """

    def ensure_connected(self, conn):
        ensure = conn.ensure_connection
        most = float(settings.CELERY_RECONNECT_MAX)

        def ensure_connection(errback=None, max_retries=None, *args, **kwargs):
            kwargs.update(interval_start=min(1.0, most), interval_step=1.0, interval_max=most)
            return ensure(errback, max_retries, *args, **kwargs)

        conn.ensure_connection = ensure_connection
        return super().ensure_connected(conn)


def _channels_of_a_closed_connection_raise_connection_errors() -> None:
    """Make kombu's Redis channels say "connection error" when their connection is gone, instead of crashing.

    The cause of workers exiting with `Unrecoverable error: AttributeError("'NoneType' object has no
    attribute 'hostname'")` when Redis dropped (kombu 5.7, Celery 5.7): tasks are acked late, so when the
    connection drops some are still running. Celery drops the lost connection's transport, whose `client`
    becomes None, but the channel those tasks came from lives on: closing it (to put its unacknowledged
    messages back) or acknowledging a task that finishes after the reconnect builds a Redis client from
    the transport's `client`, and the AttributeError escapes every handler, which only expect connection
    errors. Here that channel raises Redis's ConnectionError instead, which kombu and Celery handle: the
    close goes on, and the late ack is logged ("Couldn't ack") and dropped. The message stays in Redis's
    unacknowledged set and is handed out again after the visibility timeout; delivery then finds its row
    already sent, and the sweeper covers any row whose message is lost.
    """
    from kombu.transport import redis as kombu_redis

    original = kombu_redis.Channel._connparams
    if getattr(original, "portal_guarded", False):
        return

    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            raise kombu_redis.redis.exceptions.ConnectionError("This channel's broker connection is closed.")
        return original(self, asynchronous=asynchronous)

    _connparams.portal_guarded = True
    kombu_redis.Channel._connparams = _connparams


_channels_of_a_closed_connection_raise_connection_errors()

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.worker_consumer = "portal.celery:ResilientConsumer"
app.autodiscover_tasks(["portal.notifications", "portal.privacy", "alliances", "programmes", "deployments", "leadership"])

# The request id travels with each task, and the worker logs in the portal's format (before the worker sets up logging).
import portal.observability.celery  # noqa: E402, F401

app.conf.beat_schedule = {
    # Queues rows whose delivery was never queued or was lost (Redis down, a worker killed): see the README.
    "notifications.sweep": {"task": "notifications.sweep", "schedule": float(settings.NOTIFICATION_SWEEP_EVERY)},
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
    # Programme places (programmes.places): offers from the waitlist lapse and pass on; offers about to lapse. Hourly,
    # so a lapsed offer passes to the next person within the hour (taking a lapsed offer passes it on at once).
    "programmes.place_offers": {"task": "programmes.place_offers", "schedule": crontab(minute=7)},
    # Programme delivery (programmes.delivery.reminders): sessions soon, registers not taken, evaluations, impact.
    "programmes.delivery_reminders": {"task": "programmes.delivery_reminders", "schedule": crontab(hour=6, minute=50)},
    # Recruitment's reminders (leadership.recruitment.reminders): rounds closing, panel scoring due.
    "leadership.recruitment_reminders": {"task": "leadership.recruitment_reminders",
                                         "schedule": crontab(hour=6, minute=45)},
    "notifications.weekly_digest": {
        "task": "notifications.weekly_digest",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
    },
}

# Data protection: the retention periods (settings.RETENTION_DAYS), daily at 03:15 London time, when nobody works.
# Outgoing webhooks (api app): sends deliveries whose message was lost and retries failures after their backoff.
app.conf.beat_schedule["webhooks.sweep"] = {"task": "webhooks.sweep", "schedule": 60.0}
app.conf.beat_schedule["privacy.retention"] = {"task": "privacy.retention", "schedule": crontab(hour=3, minute=15)}
# Designation review reminders (leadership.quality.reminders), daily at 06:50 London time.
app.conf.beat_schedule["leadership.designation_reminders"] = {
    "task": "leadership.designation_reminders", "schedule": crontab(hour=6, minute=50)}
