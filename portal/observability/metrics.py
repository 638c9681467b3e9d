"""Prometheus metrics at /metrics: requests (counted by the middleware), and at each scrape the outbox backlog, the
age of its oldest unsent row, failed rows, the broker queue's depth, and whatever the apps register (import jobs).

Several gunicorn workers: set PROMETHEUS_MULTIPROC_DIR to an empty directory shared by the workers (emptied at each
start) and every scrape adds up all of them; without it a scrape sees the one process that answered it.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Callable, Iterable
from datetime import timedelta

import redis
from django.conf import settings
from django.db.models import Min
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from portal.notifications.models import Channel, Delivery, Notification
from portal.tenancy.rls import cross_partnership

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "portal_http_requests", "Requests answered, by method, view and status class.",
    ["method", "view", "status"], registry=REGISTRY,
)
LATENCY = Histogram(
    "portal_http_request_duration_seconds", "Time to answer a request, by view.", ["view"], registry=REGISTRY,
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)

# Sources the higher apps plug in from their AppConfig.ready(): a callable giving metric families at scrape time.
_sources: dict[str, Callable[[], Iterable[Metric]]] = {}


def register_metrics_source(name: str, source: Callable[[], Iterable[Metric]]) -> None:
    _sources[name] = source


def observe_request(*, method: str, view: str, status: int, seconds: float) -> None:
    method = method if method in {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} else "other"
    REQUESTS.labels(method=method, view=view, status=f"{status // 100}xx").inc()
    LATENCY.labels(view=view).observe(seconds)


def _outbox() -> Iterable[Metric]:
    with cross_partnership("metrics: the outbox across partnerships", quiet=True):
        unsent = Notification.objects.filter(
            channel=Channel.EMAIL, delivery=Delivery.IMMEDIATE, sent_at__isnull=True, failed_at__isnull=True)
        backlog = unsent.count()
        oldest = unsent.aggregate(oldest=Min("created_at"))["oldest"]
        failed = Notification.objects.filter(sent_at__isnull=True, failed_at__isnull=False).count()
    yield GaugeMetricFamily("portal_outbox_unsent", "Immediate emails in the outbox not yet sent (nor given up).",
                            value=backlog)
    age = (timezone.now() - oldest) if oldest else timedelta(0)
    yield GaugeMetricFamily("portal_outbox_oldest_unsent_age_seconds",
                            "How long the oldest unsent immediate email has waited (0 when none is waiting).",
                            value=max(age.total_seconds(), 0.0))
    yield GaugeMetricFamily("portal_outbox_failed", "Outbox rows given up on (retry them in the admin).", value=failed)


def queue_depth(url: str, queue: str) -> int:
    """Messages waiting in a Celery queue on a Redis broker (kombu keeps one list per priority step)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        keys = [queue] + [f"{queue}\x06\x16{step}" for step in (3, 6, 9)]
        return sum(client.llen(key) for key in keys)
    finally:
        client.close()


def _broker() -> Iterable[Metric]:
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url.startswith(("redis://", "rediss://", "unix://")):
        return
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    up = GaugeMetricFamily("portal_broker_up", "1 when the broker answered this scrape, 0 when it did not.")
    try:
        depth = queue_depth(url, queue)
    except redis.RedisError as error:
        logger.warning("Metrics: the broker did not answer (%s).", type(error).__name__)
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    yield up
    gauge = GaugeMetricFamily("portal_queue_depth", "Tasks waiting in the broker queue.", labels=["queue"])
    gauge.add_metric([queue], depth)
    yield gauge


class PortalCollector:
    """Reads the database and the broker when scraped (never cached: a scrape is the moment to look)."""

    def collect(self) -> Iterable[Metric]:
        yield from _outbox()
        yield from _broker()
        for name, source in sorted(_sources.items()):
            try:
                yield from source()
            except Exception:  # one broken source must not hide every other metric
                logger.exception("Metrics source %s failed.", name)


def render() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(PortalCollector())
    return generate_latest(registry)


class _Forward:
    def __init__(self, registry: CollectorRegistry):
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def allowed(request) -> bool:
    """With METRICS_TOKEN set, only `Authorization: Bearer <token>`; without it, only a direct loopback client
    (a request a local proxy forwarded carries X-Forwarded-For or Forwarded and is refused)."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    forwarded = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    return not forwarded and _loopback(request.META.get("REMOTE_ADDR", ""))


def metrics_response(request) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        response = HttpResponse("Only GET.\n", status=405, content_type="text/plain")
        response["Allow"] = "GET, HEAD"
        return response
    if not allowed(request):
        response = HttpResponse("Not allowed.\n", status=401 if settings.METRICS_TOKEN else 403,
                                content_type="text/plain")
        if settings.METRICS_TOKEN:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
