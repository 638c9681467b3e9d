"""A real Celery worker and a real Redis broker send a webhook: the first answer is a 500, the sweeper task (run by
the worker) retries it once its backoff has passed, and the receiver gets the event twice with one key, the second
time answered 200 and marked delivered."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from api import webhooks
from api.models import DeliveryState, WebhookDelivery
from api.tasks import sweep_webhooks_task
from portal.audit.services import record_event
from tests.api.test_webhooks import Receiver
from tests.factories import SupportRequestFactory
from tests.integration.test_worker import own_redis, smtp_sink, start_worker  # noqa: F401 - fixtures

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _wait_for(condition, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_worker_sends_retries_after_a_500_and_delivers_once(admin, partnership, start_worker, settings,  # noqa: F811
                                                                 monkeypatch):
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = True
    monkeypatch.setenv("WEBHOOK_ALLOW_LOOPBACK_HTTP", "true")  # the worker's settings too
    worker = start_worker()
    with Receiver(answers=[500]) as receiver:
        endpoint, _ = webhooks.create_endpoint(actor=admin, url=receiver.url, events=["review.agreed"])
        record_event(partnership=partnership, action="review.agreed", obj=SupportRequestFactory(partnership=partnership))
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert _wait_for(lambda: len(receiver.received) == 1), "the worker never sent the webhook"
        # The attempt is counted when the worker claims the row, before it posts; the 500 and the backoff are
        # written after. Wait for those, or the backoff would overwrite the due time set here.
        assert _wait_for(lambda: WebhookDelivery.objects.filter(pk=delivery.pk, attempts=1, last_status=500).exists())
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        sweep_webhooks_task.delay()
        assert _wait_for(lambda: WebhookDelivery.objects.get(pk=delivery.pk).state == DeliveryState.DELIVERED)
        sweep_webhooks_task.delay()  # nothing is due: nothing more is sent
        time.sleep(2)
    assert worker.poll() is None
    keys = [headers["Idempotency-Key"] for headers, _ in receiver.received]
    assert len(keys) == 2 and len(set(keys)) == 1
