"""The bench's HTTP side: gunicorn on 127.0.0.1 and a bounded load generator (threads and http.client).

Only the loopback address is served and loaded."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

LOOPBACK = "127.0.0.1"  # the only address the bench serves on and loads


@dataclass
class Load:
    """What one page served at one level of concurrency."""

    clients: int
    ok: int
    errors: int
    seconds: float
    timings: list[float]

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def drive(*, port: int, path: str, cookie: str, clients: int, max_requests: int, max_seconds: float) -> Load:
    """`clients` threads GET `path` from 127.0.0.1:`port` one request after another until `max_requests` have
    been sent or `max_seconds` have passed. Anything but a 200 (or a broken connection) is an error."""
    lock = threading.Lock()
    state = {"sent": 0, "errors": 0}
    timings: list[float] = []
    deadline = time.perf_counter() + max_seconds
    headers = {"Cookie": cookie, "Host": LOOPBACK, "X-Forwarded-Proto": "https", "Accept": "text/html"}

    def client() -> None:
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=60)
        while True:
            with lock:
                if state["sent"] >= max_requests or time.perf_counter() >= deadline:
                    break
                state["sent"] += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if ok:
                    timings.append(elapsed)
                else:
                    state["errors"] += 1
        connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Load(clients, len(timings), state["errors"], time.perf_counter() - started, timings)


def serve(*, port: int, workers: int) -> subprocess.Popen:
    """Start gunicorn with this process's database, cache and secret key (the session cookies are made here),
    DEBUG off, bound to 127.0.0.1 only; return once it answers."""
    env = {
        **os.environ, "DEBUG": "false", "SECRET_KEY": settings.SECRET_KEY, "ALLOWED_HOSTS": LOOPBACK,
        "ACCESS_LOG": "false", "MFA_EXEMPT_DEMO_USERS": "false",
        # No collectstatic for a bench: plain static storage instead of the manifest (a name lookup less).
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
    database = connection.settings_dict
    if connection.vendor == "postgresql":  # the database this process uses (a test's, under pytest)
        auth = quote(database["USER"] or "", safe="")
        if database["PASSWORD"]:
            auth += ":" + quote(database["PASSWORD"], safe="")
        env["DATABASE_URL"] = (f"postgres://{auth}@{database['HOST'] or LOOPBACK}:{database['PORT'] or 5432}/"
                               f"{quote(database['NAME'], safe='')}")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"{LOOPBACK}:{port}",
         "--workers", str(workers), "--no-control-socket", "--log-level", "warning"],
        env=env, cwd=settings.BASE_DIR)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError(f"gunicorn stopped at start-up (exit code {server.returncode})")
        try:
            probe = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
            probe.request("GET", "/healthz/live")
            answered = probe.getresponse().status == 200
            probe.close()
            if answered:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.terminate()
    server.wait()
    raise CommandError(f"gunicorn did not answer on {LOOPBACK}:{port} within a minute")
