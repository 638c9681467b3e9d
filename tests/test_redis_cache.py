"""The cache when Redis fails: refused or frozen, every operation ends within the short timeouts, falls back
to this process's memory behind a breaker that logs once, and sign-in keeps working with its rate limits."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import time

import pytest
from django.core.cache import caches

from portal.breaker import CircuitBreaker
from portal.cache import breaker
from tests.conftest import require
from tests.factories import PASSWORD, UserFactory
from tests.integration.test_worker import OwnRedis


@pytest.fixture
def own_redis(tmp_path):
    require(shutil.which("redis-server") is not None, "redis-server")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    if server.process and server.process.poll() is None:
        os.kill(server.process.pid, signal.SIGCONT)
    server.stop()


@pytest.fixture
def cache_on(settings):
    def point(url: str):
        settings.CACHES = {"default": {**settings.CACHES["default"], "BACKEND": "portal.cache.FailSafeRedisCache",
                                       "LOCATION": url}}
        return caches["default"]
    return point


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_refused_connection_falls_back_to_memory_and_logs_once(own_redis, cache_on, caplog):
    cache = cache_on(own_redis.url)
    cache.set("shared", "from redis")
    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="portal.breaker"):
        value, elapsed = _timed(lambda: cache.get("shared"))
        assert value is None and elapsed < 1
        for n in range(20):  # while the breaker is open, Redis is not even asked
            _, elapsed = _timed(lambda n=n: cache.set(f"k{n}", n))
            assert elapsed < 0.05
        assert cache.get("k7") == 7  # kept in this process's memory meanwhile
    warnings = [r for r in caplog.records if r.name == "portal.breaker"]
    assert len(warnings) == 1 and "Redis cache unreachable" in warnings[0].getMessage()
    assert "memory" in warnings[0].getMessage() and breaker.is_open


def test_a_frozen_redis_costs_one_short_timeout_then_nothing(own_redis, cache_on, settings):
    cache = cache_on(own_redis.url)
    cache.set("shared", 1)
    os.kill(own_redis.process.pid, signal.SIGSTOP)  # accepts connections, never answers
    try:
        _, first = _timed(lambda: cache.add("lock", True))
        _, later = _timed(lambda: [cache.get("shared") for _ in range(50)])
    finally:
        os.kill(own_redis.process.pid, signal.SIGCONT)
    assert first < settings.REDIS_SOCKET_TIMEOUT + 0.3 and later < 0.1


def test_after_the_cool_off_the_shared_cache_takes_over_again(own_redis, cache_on, settings, caplog):
    settings.REDIS_COOL_OFF = 1
    cache = cache_on(own_redis.url)
    cache.set("shared", "from redis")
    os.kill(own_redis.process.pid, signal.SIGSTOP)
    cache.get("shared")
    os.kill(own_redis.process.pid, signal.SIGCONT)
    assert cache.get("shared") is None  # still the fallback: the breaker is open
    time.sleep(1.1)
    with caplog.at_level(logging.WARNING, logger="portal.breaker"):
        assert cache.get("shared") == "from redis"
    assert not breaker.is_down and "reachable again" in caplog.text


def test_the_breaker_opens_for_its_cool_off_and_reports_its_state():
    now = [100.0]
    warned = CircuitBreaker("Thing", consequence="we carry on", cool_off=lambda: 10, clock=lambda: now[0])
    assert warned.allow() and warned.state() == {"ok": True}
    warned.failed(ConnectionRefusedError("no"))
    assert not warned.allow() and warned.state()["skipped_for_s"] == 10
    now[0] += 10
    assert warned.allow() and warned.is_down  # one try allowed; still down until it works
    warned.failed(TimeoutError("slow"))
    assert not warned.allow() and warned.state()["down_for_s"] == 10 and "TimeoutError" in warned.state()["error"]
    warned.succeeded()
    assert warned.allow() and not warned.is_down


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["refused", "frozen"])
def test_sign_in_works_while_redis_is_down_and_still_counts_failures(own_redis, cache_on, client, fault):
    cache_on(own_redis.url)
    user = UserFactory(email="head@school.example.org")
    client.get("/account/login/")  # the first request of a test process loads URLs and templates: not Redis time
    if fault == "refused":
        own_redis.stop()
    else:
        os.kill(own_redis.process.pid, signal.SIGSTOP)
    response, elapsed = _timed(lambda: client.post("/account/login/", {"login": user.email, "password": PASSWORD}))
    assert response.status_code == 302 and response["Location"] == "/" and elapsed < 1
    assert client.get("/").wsgi_request.user == user
    client.logout()
    # The failed-attempt limit (5 per 5 minutes per address) still holds, counted in this process.
    for _ in range(5):
        page = client.post("/account/login/", {"login": user.email, "password": "wrong-password-1"})
        assert "Too many failed login attempts" not in page.content.decode()
    page = client.post("/account/login/", {"login": user.email, "password": "wrong-password-1"})
    assert "Too many failed login attempts" in page.content.decode()
