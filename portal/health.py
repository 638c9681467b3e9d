"""Health endpoints for load balancers and orchestrators.

* `/healthz/live`: liveness. The process is up and answering; no dependency is consulted, so a Redis or
  database outage never gets a healthy process restarted.
* `/healthz`: readiness. 200 while the database answers, 503 when it does not. The broker and the cache
  are reported in the body but never fail it: while Redis is down the portal keeps serving (notifications
  wait in the outbox, rate limits count per process), so taking web nodes out of service would only turn
  a partial outage into a full one.

Each probe is bounded by the short Redis timeouts (REDIS_CONNECT_TIMEOUT, REDIS_SOCKET_TIMEOUT); a failed
broker probe opens the broker's breaker, and while a breaker is open the report comes from it without
touching Redis at all.
"""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from portal.cache import breaker as cache_breaker
from portal.celery import app
from portal.notifications.queueing import broker

LIVE_PATH = "/healthz/live"
READY_PATH = "/healthz"


def _timed(probe) -> dict:
    started = time.perf_counter()
    try:
        detail = probe()
    except Exception as error:  # any failure means "not reachable"; the type says why
        return {"ok": False, "error": type(error).__name__, "ms": round((time.perf_counter() - started) * 1000, 1)}
    result = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if detail:
        result["detail"] = detail
    return result


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _ping_redis(url: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
                                  socket_timeout=settings.REDIS_SOCKET_TIMEOUT, retry=None)
    try:
        client.ping()
    finally:
        client.close()


def _broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "detail": "eager: tasks run inline, no broker"}
    if broker.is_open:
        return {**broker.state(), "detail": "publishing paused; notifications wait in the outbox for the sweeper"}
    url = app.conf.broker_url or ""

    def probe():
        try:
            if url.startswith(("redis://", "rediss://")):
                _ping_redis(url)
            else:
                with app.connection_for_write() as conn:
                    conn.ensure_connection(max_retries=0, timeout=settings.REDIS_CONNECT_TIMEOUT)
        except Exception as error:
            broker.failed(error)  # publishing skips the broker too, and the next probes answer at once
            raise
        broker.succeeded()

    result = _timed(probe)
    if not result["ok"]:
        result["detail"] = "notifications wait in the outbox until the broker answers"
    return result


def _cache() -> dict:
    backend = settings.CACHES["default"]["BACKEND"]
    if backend != "portal.cache.FailSafeRedisCache":
        return {"ok": True, "detail": "local memory"}
    if cache_breaker.is_down:
        return {**cache_breaker.state(), "detail": "rate limits are counted per process until Redis answers"}
    return {"ok": True}


def check() -> dict:
    database = _timed(_database)
    return {"status": "ok" if database["ok"] else "unavailable", "database": database, "broker": _broker(),
            "cache": _cache()}


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def live(request):
    return _no_store(JsonResponse({"status": "ok"}))


def ready(request):
    report = check()
    return _no_store(JsonResponse(report, status=200 if report["status"] == "ok" else 503))


class HealthCheckMiddleware:
    """Answers the health paths before host validation, sessions or redirects, so a load balancer's probe
    (which sends its own Host header, over plain HTTP) gets the real answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            if request.path_info == LIVE_PATH:
                return live(request)
            if request.path_info == READY_PATH:
                return ready(request)
        return self.get_response(request)
