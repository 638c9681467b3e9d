"""Request ids on every log line, JSON logs, /metrics (and who may read it), and the Sentry switch."""

from __future__ import annotations

import io
import json
import logging
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django_scopes import scopes_disabled

from alliances.models import ImportJob
from portal.notifications.models import Channel
from portal.observability import config, context, errors, metrics
from portal.observability.beat import is_fresh
from portal.observability.beat import main as beat_check
from portal.observability.logs import JsonFormatter, PlainFormatter, RequestIdFilter
from tests.factories.portal import NotificationFactory


@pytest.fixture
def log_lines():
    """Everything logged during the test, through the portal's JSON formatter and request-id filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(), logging.getLogger("django")]  # "django" does not propagate to the root
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)


def test_a_request_gets_a_new_id_and_returns_it(client, db):
    first = client.get("/accessibility/")
    second = client.get("/accessibility/")
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]


def test_a_callers_request_id_is_kept_and_a_bad_one_replaced(client, db):
    assert client.get("/accessibility/", HTTP_X_REQUEST_ID="lb-7f3a.42")["X-Request-ID"] == "lb-7f3a.42"
    for bad in ["has space", "new\nline", "x" * 101, "-leading-dash", "ünïcode"]:
        returned = client.get("/accessibility/", headers={"X-Request-ID": bad})["X-Request-ID"]
        assert returned != bad and context.ACCEPTABLE.fullmatch(returned)


def test_log_lines_during_a_request_carry_its_id(client, db, log_lines):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="trace-404")
    [line] = [line for line in log_lines() if line["logger"] == "django.request"]
    assert line["request_id"] == "trace-404" and line["level"] == "WARNING" and "Not Found" in line["message"]
    assert context.current_request_id() is None  # and it does not leak into what runs next


def test_the_access_log_is_one_json_line_a_request(client, db, log_lines, settings):
    settings.ACCESS_LOG = True
    client.get("/accessibility/", HTTP_X_REQUEST_ID="trace-200")
    [line] = [line for line in log_lines() if line["logger"] == "portal.access"]
    assert line["request_id"] == "trace-200" and line["message"] == "GET /accessibility/ 200"
    assert line["status"] == 200 and line["view"] == "accessibility" and line["duration_ms"] >= 0
    settings.ACCESS_LOG = False
    client.get("/accessibility/")
    assert len([line for line in log_lines() if line["logger"] == "portal.access"]) == 1


def test_the_json_formatter_writes_one_object_a_line_with_extras_and_tracebacks():
    logger = logging.getLogger("tests.ops")
    record = logger.makeRecord("tests.ops", logging.ERROR, __file__, 1, "Import %s failed", ("GIAS",), None,
                               extra={"job": 7, "odd": object()})
    try:
        raise ValueError("bad row")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    token = context.set_request_id("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        context.reset_request_id(token)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "Import GIAS failed" and entry["request_id"] == "abc123" and entry["job"] == 7
    assert entry["odd"].startswith("<object") and "ValueError: bad row" in entry["exception"]
    assert entry["time"].endswith("+00:00")


def test_the_plain_format_shows_the_request_id_even_without_the_filter():
    record = logging.getLogger("x").makeRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    assert "[-]: hello" in PlainFormatter().format(record)


def test_a_task_published_in_a_request_carries_its_id_in_the_headers():
    from portal.observability.celery import _stamp_request_id

    headers: dict = {}
    _stamp_request_id(headers=headers)
    assert headers == {}  # no request, no header
    token = context.set_request_id("req-9")
    try:
        _stamp_request_id(headers=headers)
    finally:
        context.reset_request_id(token)
    assert headers == {context.CELERY_HEADER: "req-9"}


def _scrape(client, **headers):
    return client.get("/metrics", REMOTE_ADDR=headers.pop("remote", "127.0.0.1"), **headers)


def test_metrics_are_for_loopback_only_without_a_token(client, db, settings):
    settings.METRICS_TOKEN = ""
    assert _scrape(client).status_code == 200
    assert _scrape(client, remote="10.1.2.3").status_code == 403
    # A local proxy forwards the internet's requests from loopback: forwarded ones are refused.
    assert _scrape(client, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 405


def test_metrics_with_a_token_need_it_from_everywhere(client, db, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert _scrape(client).status_code == 401 and _scrape(client)["WWW-Authenticate"].startswith("Bearer")
    assert _scrape(client, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert _scrape(client, remote="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


def _value(text: str, name: str) -> float:
    [line] = [line for line in text.splitlines() if line.startswith(name + " ") or line.startswith(name + "{")]
    return float(line.rsplit(" ", 1)[1])


def test_metrics_report_the_outbox_imports_queue_and_requests(client, partnership, settings):
    settings.METRICS_TOKEN = ""
    with scopes_disabled():
        NotificationFactory(partnership=partnership, channel=Channel.EMAIL, created_at=timezone.now() - timedelta(
            minutes=10))
        NotificationFactory(partnership=partnership, channel=Channel.EMAIL)
        NotificationFactory(partnership=partnership, channel=Channel.EMAIL, failed_at=timezone.now())
        NotificationFactory(partnership=partnership, channel=Channel.EMAIL, sent_at=timezone.now())
        NotificationFactory(partnership=partnership)  # in-app: not the outbox's email backlog
    ImportJob.objects.create(filename="gias.csv", state=ImportJob.State.RUNNING)
    ImportJob.objects.create(filename="old.csv", state=ImportJob.State.DONE)
    client.get("/accessibility/")
    text = _scrape(client).content.decode()
    assert _value(text, "portal_outbox_unsent") == 2
    assert 590 < _value(text, "portal_outbox_oldest_unsent_age_seconds") < 700
    assert _value(text, "portal_outbox_failed") == 1
    assert 'portal_import_jobs{state="running"} 1.0' in text and 'portal_import_jobs{state="done"} 1.0' in text
    assert 'portal_import_jobs{state="failed"} 0.0' in text
    assert 'portal_http_requests_total{method="GET",status="2xx",view="accessibility"}' in text
    assert "portal_http_request_duration_seconds_bucket" in text


def test_metrics_report_the_real_queue_depth_and_a_broker_that_is_down(client, db, settings):
    import redis

    url = settings.CACHES["default"].get("LOCATION", "")
    if not url.startswith("redis://"):
        pytest.skip("needs REDIS_URL")
    settings.METRICS_TOKEN = ""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_DEFAULT_QUEUE = "portal-metrics-test"
    client_ = redis.Redis.from_url(url)
    client_.delete("portal-metrics-test")
    client_.rpush("portal-metrics-test", "a", "b", "c")
    try:
        text = _scrape(client).content.decode()
    finally:
        client_.delete("portal-metrics-test")
    assert 'portal_queue_depth{queue="portal-metrics-test"} 3.0' in text and _value(text, "portal_broker_up") == 1
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    started = time.monotonic()
    text = _scrape(client).content.decode()
    assert _value(text, "portal_broker_up") == 0 and "portal_queue_depth" not in text
    assert time.monotonic() - started < 3


def test_a_broken_metrics_source_does_not_hide_the_others(client, db, settings):
    settings.METRICS_TOKEN = ""

    def broken():
        raise RuntimeError("boom")
        yield

    metrics.register_metrics_source("zz-broken", broken)
    try:
        text = _scrape(client).content.decode()
    finally:
        metrics._sources.pop("zz-broken")
    assert "portal_outbox_unsent" in text and "portal_import_jobs" in text


def test_error_reporting_starts_only_with_a_dsn(monkeypatch):
    started = []
    monkeypatch.setattr(errors.sentry_sdk, "init", lambda **kwargs: started.append(kwargs))
    assert errors.init_error_reporting(dsn="", environment="x", release="", traces_sample_rate=0) is False
    assert started == []
    assert errors.init_error_reporting(dsn="https://key@errors.example.org/1", environment="production",
                                       release="abc", traces_sample_rate=0.1) is True
    [options] = started
    assert options["send_default_pii"] is False and options["environment"] == "production"


def test_the_beat_heartbeat_check(tmp_path):
    beat = tmp_path / "beat-heartbeat"
    assert not is_fresh(beat, 120) and beat_check([str(beat), "120"]) == 1
    beat.touch()
    assert is_fresh(beat, 120) and beat_check([str(beat), "120"]) == 0
    assert not is_fresh(beat, 120, now=time.time() + 121)
    assert beat_check([]) == 2


def test_the_beat_scheduler_touches_its_heartbeat_on_every_tick(tmp_path, monkeypatch):
    from celery.beat import PersistentScheduler

    from portal.celery import app
    from portal.observability.beat import HeartbeatScheduler

    monkeypatch.setattr(HeartbeatScheduler, "heartbeat", tmp_path / "beat-heartbeat")
    monkeypatch.setattr(PersistentScheduler, "tick", lambda self, *a, **k: 42.0)
    scheduler = HeartbeatScheduler.__new__(HeartbeatScheduler)  # only tick() is exercised
    scheduler.app = app
    assert scheduler.tick() == 42.0 and is_fresh(tmp_path / "beat-heartbeat", 5)


def test_time_limits_are_settings(settings):
    from portal.celery import app

    assert app.conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT == 15 * 60
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT == 20 * 60



@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: config.logging_config("xml", "INFO"), "LOG_FORMAT must be plain or json"),
        (lambda: config.sample_rate("1.5"), "SENTRY_TRACES_SAMPLE_RATE"),
        (lambda: config.sample_rate("lots"), "SENTRY_TRACES_SAMPLE_RATE"),
        (lambda: config.time_limits(600, 600), "below CELERY_TASK_TIME_LIMIT"),
        (lambda: config.time_limits(0, 60), "must be positive"),
        (lambda: config.expiry_date("31/12/2027"), "SECURITY_TXT_EXPIRES must be a date"),
    ],
)
def test_bad_operations_settings_stop_start_up(call, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        call()


def test_the_policy_has_the_nonce_marker_in_place():
    from csp.constants import NONCE

    policy = config.content_security_policy(NONCE)["DIRECTIVES"]
    assert policy["script-src"] == ["'self'", NONCE]
    assert not any("unsafe" in source for sources in policy.values() for source in sources if isinstance(source, str))
