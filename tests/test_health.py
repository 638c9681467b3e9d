"""The health endpoints: liveness needs nothing; readiness needs the database and only reports the broker."""

from __future__ import annotations

import time

from portal.notifications import services as notification_services
from tests.conftest import require


def test_liveness_answers_any_host_without_touching_a_dependency(client):
    # No database fixture: a query would fail the test ("Database access not allowed").
    response = client.get("/healthz/live", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readiness_answers_a_load_balancer_whatever_host_it_sends(client, db):
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["broker"]["ok"] and body["cache"]["ok"]


def test_readiness_checks_the_real_broker_when_one_is_configured(client, db, settings):
    require(bool(settings.REDIS_URL), "Redis (REDIS_URL)")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["broker"] == {"ok": True, "ms": response.json()["broker"]["ms"]}


def test_an_unreachable_broker_is_reported_but_keeps_the_node_in_service(client, db, settings):
    from portal.celery import app

    previous = app.conf.broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert response.json()["broker"]["ok"] is False and response.json()["database"]["ok"] is True
    assert "wait in the outbox" in response.json()["broker"]["detail"]
    assert elapsed < 1
    # The failed probe opened the broker's breaker: publishing skips the broker, the next probe answers from it.
    assert notification_services.broker.is_open
    assert client.get("/healthz").json()["broker"]["skipped_for_s"] > 0


def test_while_the_broker_breaker_is_open_readiness_reports_it_without_probing(client, db, settings):
    from portal.celery import app

    previous = app.conf.broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    notification_services.broker.failed(ConnectionRefusedError("refused"))
    app.conf.broker_url = "redis://127.0.0.1:6391/0"  # would answer; the open breaker means it is not asked
    try:
        body = client.get("/healthz").json()
    finally:
        app.conf.broker_url = previous
    assert body["status"] == "ok" and body["broker"]["ok"] is False
    assert "ConnectionRefusedError" in body["broker"]["error"] and body["broker"]["skipped_for_s"] > 0


def test_an_unreachable_database_fails_readiness(client, db, monkeypatch):
    from django.db import OperationalError

    from portal import health

    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "_database", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == {
        "ok": False, "error": "OperationalError", "ms": response.json()["database"]["ms"]}
    assert client.get("/healthz/live").status_code == 200
