"""A circuit breaker for calls to Redis: after one failure, skip the call for a cool-off, and log once.

One breaker per purpose (the cache, the broker) and per process. While it is open, callers take their
fallback straight away instead of waiting out a timeout on every request. After the cool-off the next
call tries again: success closes the breaker, failure opens it for another cool-off. The outage is
logged when it starts and when it ends, not on every skipped call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class CircuitBreaker:
    def __init__(self, name: str, *, consequence: str, cool_off: Callable[[], float],
                 clock: Callable[[], float] = time.monotonic):
        self.name = name
        self.consequence = consequence
        self._cool_off = cool_off  # read on every trip, so tests and settings overrides take effect
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._down_since: float | None = None
        self.last_error = ""

    @property
    def is_open(self) -> bool:
        """True while calls should be skipped (a failure happened less than a cool-off ago)."""
        return self._clock() < self._open_until

    @property
    def is_down(self) -> bool:
        """True from a failure until the next success (also after the cool-off, before the next try)."""
        return self._down_since is not None

    def allow(self) -> bool:
        return not self.is_open

    def failed(self, error: BaseException) -> None:
        with self._lock:
            first = self._down_since is None
            now = self._clock()
            self._open_until = now + self._cool_off()
            self.last_error = f"{type(error).__name__}: {error}"[:300]
            if first:
                self._down_since = now
        if first:
            logger.warning("%s unreachable (%s); skipping it for %ss at a time until it answers again: %s.",
                           self.name, self.last_error, self._cool_off(), self.consequence)

    def succeeded(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            since, self._down_since, self._open_until = self._down_since, None, 0.0
        if since is not None:
            logger.warning("%s is reachable again after %.0fs.", self.name, self._clock() - since)

    def state(self) -> dict:
        """For /healthz: whether the last call worked, and if not, why and for how long it is skipped."""
        if self._down_since is None:
            return {"ok": True}
        return {"ok": False, "error": self.last_error, "down_for_s": round(self._clock() - self._down_since, 1),
                "skipped_for_s": round(max(self._open_until - self._clock(), 0.0), 1)}

    def reset(self) -> None:
        with self._lock:
            self._open_until, self._down_since, self.last_error = 0.0, None, ""
