"""The bench's in-process measuring: signed-in clients, percentiles, and a group of pages timed against the floor."""

from __future__ import annotations

import statistics
import time

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.core.management.base import CommandError
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import override_settings


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def signed_in(user) -> Client:
    """A test client with a full sign-in: the bench staff users have TOTP, and this session passed it."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
    session[AUTHENTICATION_METHODS_SESSION_KEY + "_user"] = str(user.pk)
    session.save()
    return client


def timed(client: Client, url: str) -> tuple[float, float | None, int]:
    """(ms to the last byte, ms to a download's first bytes (its header and first batch of lines) or None for a
    page, bytes)."""
    started = time.perf_counter()
    response = client.get(url)
    if response.status_code != 200:
        raise CommandError(f"{url} answered {response.status_code}")
    if not response.streaming:
        return (time.perf_counter() - started) * 1000, None, len(response.content)
    chunks = iter(response.streaming_content)
    size = len(next(chunks, b"")) + len(next(chunks, b""))
    first = (time.perf_counter() - started) * 1000
    size += sum(len(chunk) for chunk in chunks)
    return (time.perf_counter() - started) * 1000, first, size


def measure(write, title: str, client: Client, pages: list[tuple[str, str, int]], floor: str) -> None:
    """Each page's p50, p95, max and queries over `times` requests (after one to warm caches), each followed by
    one of the partnership's floor (`floor`) for the multiples; a download is read to its last byte, and how long
    its first bytes took is written under its line."""
    write(f"\n{title:<40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'x floor':>8} {'p95 x':>8} {'queries':>8}")
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["*"]):
        timed(client, floor)
        for label, url, times in pages:
            timed(client, url)  # the first request warms caches
            runs, beside = [], []
            for _ in range(times):
                runs.append(timed(client, url))
                beside.append(timed(client, floor)[0])
            with override_settings(DEBUG=True):
                reset_queries()
                response = client.get(url)
                if response.streaming:
                    b"".join(response.streaming_content)
                queries = len(connection.queries)
            timings = [run[0] for run in runs]
            p50, p95 = statistics.median(timings), percentile(timings, 95)
            write(f"{label:<40} {p50:>8.1f} {p95:>8.1f} {max(timings):>8.1f} "
                  f"{p50 / statistics.median(beside):>7.1f}x {p95 / percentile(beside, 95):>7.1f}x {queries:>8}")
            firsts = [run[1] for run in runs if run[1] is not None]
            if firsts:
                size = runs[-1][2]
                shown = f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.0f} kB"
                write(f"  a download of {shown}: its first bytes after p50 {statistics.median(firsts):.1f} ms, "
                      f"p95 {percentile(firsts, 95):.1f} ms")
