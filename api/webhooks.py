"""Outgoing webhooks: key events posted to the partnership's endpoints, signed, through an outbox.

When an audit event of a subscribed kind is recorded (portal.audit's listener hook, in the same transaction), one
`WebhookDelivery` row per active endpoint is written; on commit a task is queued to send them (the broker breaker
in front, as for email). A send that fails (network error, timeout, any non-2xx answer) is retried with exponential
backoff by the sweeper task that beat runs.

A row is sent the way email is (portal.notifications): a worker first *claims* it in a short transaction (the attempt
counted and a lease of LEASE seconds taken, so no other worker picks it up meanwhile), commits, posts with no database
transaction or row lock held, then records the answer only if its claim still stands. Two workers never send a row
at the same time, a slow receiver holds no lock, and a worker that dies mid-send leaves a counted attempt that the
sweeper retries when the lease ends. Delivery is therefore at least once: if a worker dies after the receiver's 2xx
but before recording it, the event is posted again later with the same `Idempotency-Key`, which is how a receiver
acts on each event once.

Addresses: HTTPS only, and never to a private, loopback, link-local or otherwise non-public address (checked when an
admin adds the webhook and again, after resolving the name, before every post), so a webhook cannot be used to reach
the portal's own network.

Each request carries `Idempotency-Key: <event id>`, `S2S-Event`, and `S2S-Signature: t=<unix time>,v1=<hex>` where
v1 is HMAC-SHA256 of "<t>.<body>" under the endpoint's secret: receivers check it and reject old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from api.models import DeliveryState, WebhookDelivery, WebhookEndpoint, WebhookEvent
from portal.audit.models import AuditEvent
from portal.audit.services import record_event
from portal.errors import DomainError
from portal.notifications.queueing import broker
from portal.tenancy.models import Membership
from portal.tenancy.rls import cross_partnership

logger = logging.getLogger(__name__)
# How rows are handed to a worker, plugged in by the app's ready() (the task module imports this one).
_publish: Callable[[int, list[int]], object] | None = None
MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 5
# A claimed row is left to its worker this long; after it the sweeper may send it again.
LEASE = timedelta(seconds=TIMEOUT_SECONDS * 6)
NOT_PUBLIC = "Enter the address of a public server: webhooks are never sent to private or local network addresses."


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at 6 hours."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def _loopback_allowed(host: str) -> bool:
    if not settings.WEBHOOK_ALLOW_LOOPBACK_HTTP:
        return False
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> None:
    """HTTPS to a public host only; plain HTTP to a loopback address only where WEBHOOK_ALLOW_LOOPBACK_HTTP is on
    (tests, local development). A host written as an IP address must be a public one; a name is checked again
    after resolving it, before every post (`_resolves_publicly`)."""
    parts = urlsplit(url)
    try:
        host = parts.hostname or ""
    except ValueError:
        host = ""
    if parts.scheme == "http" and _loopback_allowed(host):
        return
    if parts.scheme != "https" or not host:
        raise DomainError("Enter an address that starts with https://")
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise DomainError(NOT_PUBLIC)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return
    if not _public(str(literal)):
        raise DomainError(NOT_PUBLIC)


def _resolves_publicly(url: str) -> bool:
    """True when every address the URL's host resolves to is public (or loopback where tests allow it)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _loopback_allowed(host):
        return True
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError:
        return True  # the post fails on its own, and is retried
    return all(_public(info[4][0]) for info in infos)


@transaction.atomic
def create_endpoint(*, actor: Membership, url: str, events: list[str]) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (shown once). Guard: admins only, HTTPS, known events. Audited."""
    if not actor.can("api.manage"):
        raise DomainError("Only the partnership's admins can add webhooks.")
    check_url(url)
    if not events or set(events) - set(WebhookEvent.values):
        raise DomainError("Choose at least one of the events in the list.")
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(partnership=actor.partnership, url=url, secret=secret,
                                              events=sorted(events), created_by=actor.user)
    record_event(partnership=actor.partnership, action="webhook.created", actor=actor.user, obj=endpoint,
                 new={"url": url, "events": endpoint.events})
    return endpoint, secret


@transaction.atomic
def disable_endpoint(*, actor: Membership, endpoint: WebhookEndpoint) -> None:
    if not actor.can("api.manage"):
        raise DomainError("Only the partnership's admins can turn webhooks off.")
    if not WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(is_active=False):
        raise DomainError("This webhook was already turned off.")
    endpoint.is_active = False
    record_event(partnership=actor.partnership, action="webhook.disabled", actor=actor.user, obj=endpoint)


def payload_for(event: AuditEvent) -> dict:
    """What the receiver gets: the event, and the id of the row it concerns (read the details with the API)."""
    return {"id": event.pk, "type": event.action, "occurred_at": event.created_at,
            "partnership": event.partnership.slug, "object": {"type": event.object_type.model if event.object_type_id
                                                                else None, "id": event.object_id}}


def on_audit_event(event: AuditEvent) -> None:
    """portal.audit's listener: outbox rows for the endpoints subscribed to this kind of event."""
    if event.action not in WebhookEvent.values:
        return
    endpoints = [e for e in WebhookEndpoint.objects.filter(partnership=event.partnership, is_active=True)
                 if event.action in e.events]
    if not endpoints:
        return
    payload = json.loads(json.dumps(payload_for(event), cls=DjangoJSONEncoder))
    rows = WebhookDelivery.objects.bulk_create([
        WebhookDelivery(partnership=event.partnership, endpoint=endpoint, event_id=event.pk,
                        event_type=event.action, payload=payload) for endpoint in endpoints])
    ids = [row.pk for row in rows]
    partnership_id = event.partnership_id
    transaction.on_commit(lambda: queue(partnership_id, ids))


def set_publisher(publish: Callable[[int, list[int]], object]) -> None:
    global _publish
    _publish = publish


def queue(partnership_id: int, delivery_ids: list[int]) -> None:
    """Ask a worker to send these rows. Never raises: with the broker down the sweeper sends them later."""
    if _publish is None or not broker.allow():
        return
    try:
        _publish(partnership_id, delivery_ids)
    except Exception as error:  # noqa: BLE001 - KombuError, RedisError, OSError: the outbox keeps the rows
        broker.failed(error)
    else:
        broker.succeeded()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    try:
        check_url(endpoint.url)
    except DomainError as refused:
        return None, str(refused)[:300]
    if not _resolves_publicly(endpoint.url):
        return None, NOT_PUBLIC[:300]
    body = json.dumps(delivery.payload, sort_keys=True).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "s2s-portal-webhooks/1",
        "Idempotency-Key": str(delivery.event_id), "S2S-Event": delivery.event_type,
        "S2S-Signature": f"t={timestamp},v1={sign(endpoint.secret, timestamp, body)}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - checked URL
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        return None, str(error)[:300]


def _claim(delivery_id: int) -> WebhookDelivery | str:
    """Count the attempt and take the lease, in a transaction of its own; "skipped" when the row is not due or
    another worker holds it, "failed" when its webhook was turned off."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(skip_locked=True).select_related("endpoint")
                    .filter(pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now).first())
        if delivery is None:
            return "skipped"
        if not delivery.endpoint.is_active:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.FAILED,
                                                                  last_error="The webhook was turned off.")
            return "failed"
        WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
        delivery.attempts += 1
        return delivery


def deliver(delivery_id: int) -> str:
    """Send one due row: claimed first, posted with nothing locked, the answer recorded if the claim still stands
    (a row whose lease ran out and was claimed again belongs to the newer attempt)."""
    claimed = _claim(delivery_id)
    if isinstance(claimed, str):
        return claimed
    delivery, attempts = claimed, claimed.attempts
    code, error = _post(delivery.endpoint, delivery)
    ours = WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING, attempts=attempts)
    if code is not None and 200 <= code < 300:
        ours.update(state=DeliveryState.DELIVERED, last_status=code, last_error="", delivered_at=timezone.now())
        return "delivered"
    gave_up = attempts >= MAX_ATTEMPTS
    ours.update(state=DeliveryState.FAILED if gave_up else DeliveryState.PENDING, last_status=code,
                last_error=error or f"HTTP {code}", next_attempt_at=timezone.now() + backoff(attempts))
    logger.info("Webhook delivery %s failed (attempt %s): %s", delivery.pk, attempts, error or code)
    return "failed" if gave_up else "retry"


def global_sweep(limit: int = 500) -> int:
    """Send the rows that are due (new ones whose message was lost, failures whose backoff has passed)."""
    with cross_partnership("webhooks: the sweeper sends every partnership's due deliveries"):
        due = list(WebhookDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=timezone.now())
                   .select_related("partnership").order_by("next_attempt_at")[:limit])
    sent = 0
    for delivery in due:
        with cross_partnership("webhooks: sending one due delivery", quiet=True):
            sent += deliver(delivery.pk) == "delivered"
    return sent
