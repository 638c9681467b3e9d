"""Reachability of the database and the broker, for load balancers (`/healthz`)."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from portal.celery import app


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


def _broker() -> str | None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager: tasks run inline, no broker"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=2)
    return None


class HealthCheckMiddleware:
    """Answers GET /healthz before host validation, sessions or redirects, so a load balancer's probe
    (which sends its own Host header, over plain HTTP) gets the real answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz" and request.method in ("GET", "HEAD"):
            report = check()
            response = JsonResponse(report, status=200 if report["status"] == "ok" else 503)
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)


def check() -> dict:
    database = _timed(_database)
    broker = _timed(_broker)
    status = "ok" if database["ok"] and broker["ok"] else "unavailable"
    return {"status": status, "database": database, "broker": broker}
