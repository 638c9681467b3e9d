"""Outgoing webhooks against a real HTTP receiver on 127.0.0.1: signed posts, retries after a 500 with backoff,
each event delivered once per endpoint, and nothing for other partnerships, other events or turned-off endpoints."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.utils import timezone

from alliances.models import School
from api import webhooks
from api.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from deployments.models import RequestStatus
from deployments.requests.services import submit_request
from portal.audit.models import AuditEvent
from portal.audit.services import record_event
from portal.errors import DomainError
from portal.tenancy.rls import cross_partnership
from tests.factories import SpecialismFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db


class Receiver:
    """A threaded HTTP server that records every post and answers with the next of `answers` (then 200)."""

    def __init__(self, answers=()):
        self.answers = list(answers)
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/s2s"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = True


def _event(partnership, action="request.submitted"):
    request = SupportRequestFactory(partnership=partnership)
    return record_event(partnership=partnership, action=action, obj=request)


def _verify(secret: str, headers: dict, body: bytes) -> bool:
    parts = dict(item.split("=", 1) for item in headers["S2S-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def test_a_sent_request_is_posted_signed_with_its_event_id(admin, headteacher, partnership,
                                                           django_capture_on_commit_callbacks):
    draft = SupportRequestFactory(partnership=partnership, school=School.objects.get(urn="139087"),
                                  created_by=headteacher.user, status=RequestStatus.DRAFT,
                                  needs=[SpecialismFactory(partnership=partnership)])
    with Receiver() as receiver:
        endpoint, secret = webhooks.create_endpoint(actor=admin, url=receiver.url, events=["request.submitted"])
        with django_capture_on_commit_callbacks(execute=True):
            submit_request(actor=headteacher, request=draft)
    event = AuditEvent.objects.get(action="request.submitted", object_id=str(draft.pk))
    [(headers, body)] = receiver.received
    assert _verify(secret, headers, body)
    assert not _verify("whsec_wrong", headers, body)
    assert headers["Idempotency-Key"] == str(event.pk) and headers["S2S-Event"] == "request.submitted"
    payload = json.loads(body)
    assert payload["id"] == event.pk and payload["object"] == {"type": "supportrequest", "id": str(draft.pk)}
    assert payload["partnership"] == "cambridgeshire"
    assert "context" not in body.decode()
    assert WebhookDelivery.objects.get(endpoint=endpoint).state == DeliveryState.DELIVERED


def test_a_500_is_retried_after_its_backoff_and_delivered_once(admin, partnership,
                                                               django_capture_on_commit_callbacks):
    with Receiver(answers=[500]) as receiver:
        endpoint, _ = webhooks.create_endpoint(actor=admin, url=receiver.url, events=["request.submitted"])
        with django_capture_on_commit_callbacks(execute=True):
            _event(partnership)
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.PENDING, 1, 500)
        assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=20)
        assert webhooks.global_sweep() == 0  # not due yet
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        assert webhooks.global_sweep() == 1
        assert webhooks.global_sweep() == 0
        assert webhooks.deliver(delivery.pk) == "skipped"
    keys = [headers["Idempotency-Key"] for headers, _ in receiver.received]
    assert len(keys) == 2 and len(set(keys)) == 1  # the failed attempt and its one successful retry
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 2)


def test_a_receiver_that_is_down_is_retried_and_given_up_on_after_the_last_attempt(admin, partnership):
    endpoint, _ = webhooks.create_endpoint(actor=admin, url="http://127.0.0.1:9/none", events=["review.agreed"])
    _event(partnership, "review.agreed")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    for attempt in range(1, webhooks.MAX_ATTEMPTS + 1):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        assert webhooks.deliver(delivery.pk) == ("failed" if attempt == webhooks.MAX_ATTEMPTS else "retry")
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == webhooks.MAX_ATTEMPTS


def test_backoff_grows_and_is_capped():
    assert [webhooks.backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert webhooks.backoff(30) == timedelta(hours=6)


def test_only_subscribed_events_of_the_partnership_s_live_endpoints_are_sent(admin, other_admin, partnership,
                                                                            other_partnership):
    chosen, _ = webhooks.create_endpoint(actor=admin, url="https://warehouse.example.org/a", events=["review.agreed"])
    off, _ = webhooks.create_endpoint(actor=admin, url="https://warehouse.example.org/b", events=["review.agreed"])
    webhooks.disable_endpoint(actor=admin, endpoint=off)
    theirs, _ = webhooks.create_endpoint(actor=other_admin, url="https://ealing.example.org/a",
                                         events=["review.agreed", "request.submitted"])
    _event(partnership, "request.submitted")
    _event(partnership, "review.agreed")
    _event(partnership, "deployment.proposed")
    assert list(WebhookDelivery.objects.values_list("endpoint", "event_type")) == [(chosen.pk, "review.agreed")]


def test_addresses_must_be_https(admin, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = False
    for url in ("http://127.0.0.1:8000/hook", "http://warehouse.example.org/hook", "ftp://example.org/"):
        with pytest.raises(DomainError):
            webhooks.create_endpoint(actor=admin, url=url, events=["review.agreed"])
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = True
    with pytest.raises(DomainError):
        webhooks.create_endpoint(actor=admin, url="http://warehouse.example.org/hook", events=["review.agreed"])
    webhooks.create_endpoint(actor=admin, url="http://127.0.0.1:8000/hook", events=["review.agreed"])
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_row_send_it_once(admin, partnership):
    with Receiver() as receiver:
        endpoint, _ = webhooks.create_endpoint(actor=admin, url=receiver.url, events=["request.submitted"])
        _event(partnership)  # no transaction to wait for: the row is queued, and sent inline, at once
        WebhookDelivery.objects.filter(endpoint=endpoint).update(state=DeliveryState.PENDING, attempts=0,
                                                                 next_attempt_at=timezone.now())
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        barrier = threading.Barrier(2)
        results = []

        def worker():
            with cross_partnership("test: a worker sending a webhook"):
                barrier.wait()
                results.append(webhooks.deliver(delivery.pk))
            connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(results) == ["delivered", "skipped"]
    assert len(receiver.received) == 2  # the inline send at creation, then exactly one of the two workers


def test_addresses_on_private_networks_are_refused(admin, settings, monkeypatch):
    """Issue 16's webhooks must not reach the portal's own network (server-side request forgery)."""
    settings.WEBHOOK_ALLOW_LOOPBACK_HTTP = False
    for url in ("https://10.0.0.5/hook", "https://192.168.1.20/hook", "https://169.254.169.254/latest/meta-data",
                "https://[::1]/hook", "https://[::ffff:10.0.0.1]/hook", "https://localhost/hook",
                "https://metadata.google.internal/", "https://127.0.0.1:8443/hook"):
        with pytest.raises(DomainError, match="public server|https://"):
            webhooks.create_endpoint(actor=admin, url=url, events=["review.agreed"])
    assert not WebhookEndpoint.objects.exists()
    # A public name is accepted when added; if it resolves to a private address when a post is due, it is not sent.
    endpoint, _ = webhooks.create_endpoint(actor=admin, url="https://hooks.example.org/s2s", events=["review.agreed"])
    monkeypatch.setattr(webhooks.socket, "getaddrinfo",
                        lambda *args, **kwargs: [(2, 1, 6, "", ("10.1.2.3", 443))])
    delivery = WebhookDelivery(endpoint=endpoint, event_id=1, event_type="review.agreed", payload={})
    assert webhooks._post(endpoint, delivery) == (None, webhooks.NOT_PUBLIC[:300])
    monkeypatch.setattr(webhooks.socket, "getaddrinfo",
                        lambda *args, **kwargs: [(2, 1, 6, "", ("93.184.215.14", 443))])
    assert webhooks._resolves_publicly(endpoint.url)


@pytest.mark.django_db(transaction=True)
def test_no_row_lock_is_held_while_the_receiver_answers(admin, partnership):
    """The post happens after the claim commits: a slow receiver blocks nothing, and the attempt is already counted."""
    seen = {}

    with Receiver() as receiver:
        endpoint, _ = webhooks.create_endpoint(actor=admin, url=receiver.url, events=["request.submitted"])
        _event(partnership)
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.PENDING, attempts=0,
                                                              next_attempt_at=timezone.now())
        original = webhooks._post

        def post_while_checking(endpoint, row):
            def other_worker():
                with cross_partnership("test: another connection reads the row during the post"):
                    from django.db import transaction as tx
                    with tx.atomic():
                        locked = (WebhookDelivery.objects.select_for_update(nowait=True)
                                  .filter(pk=row.pk).values_list("attempts", "next_attempt_at").get())
                    seen["locked"] = locked
                connection.close()

            thread = threading.Thread(target=other_worker)
            thread.start()
            thread.join()
            return original(endpoint, row)

        webhooks._post = post_while_checking
        try:
            with cross_partnership("test: a worker sending a webhook"):
                assert webhooks.deliver(delivery.pk) == "delivered"
        finally:
            webhooks._post = original
    attempts, lease_ends = seen["locked"]
    assert attempts == 1 and lease_ends > timezone.now()  # counted and leased before the post
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == DeliveryState.DELIVERED


def test_a_row_the_broker_never_got_is_sent_by_the_sweeper(admin, partnership, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    def broker_down(partnership_id, delivery_ids):
        raise ConnectionRefusedError("Redis is down")

    monkeypatch.setattr(webhooks, "_publish", broker_down)
    with Receiver() as receiver:
        endpoint, _ = webhooks.create_endpoint(actor=admin, url=receiver.url, events=["deployment.approved"])
        with django_capture_on_commit_callbacks(execute=True):
            _event(partnership, "deployment.approved")  # the commit succeeds although nothing could be queued
        assert WebhookDelivery.objects.get(endpoint=endpoint).state == DeliveryState.PENDING
        assert receiver.received == []
        webhooks.broker.reset()
        assert webhooks.global_sweep() == 1
    assert len(receiver.received) == 1
