"""The cache: Redis, falling back to this process's memory while Redis is down or not answering.

The portal caches nothing it cannot lose; the cache's one job is allauth's rate limits (sign-in,
password reset, sign-up), which must be shared across web processes. When Redis refuses connections
or hangs, each operation fails within the short socket timeouts (CACHE_REDIS_TIMEOUT), the breaker
opens (`portal.breaker`), and for REDIS_COOL_OFF seconds every operation goes straight to a
per-process memory cache: the rate limits still apply, per process (so a client could make N times
as many attempts with N web processes) rather than being switched off or, worse, refusing every
sign-in. When Redis answers again the shared counts take over; counts made during the outage are
forgotten, which errs on the side of letting people in, never of locking them out.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from portal.breaker import CircuitBreaker

#: What a Redis outage raises: refused or reset connections, timeouts (all RedisError), or a socket error.
REDIS_DOWN = (RedisError, OSError)

breaker = CircuitBreaker("Redis cache", cool_off=lambda: settings.REDIS_COOL_OFF,
                         consequence="rate limits are counted in each web process's memory meanwhile")


def fallback_cache() -> LocMemCache:
    """The memory cache used while Redis is down (one per process: instances of one name share storage)."""
    return LocMemCache("portal-redis-fallback", {"OPTIONS": {"MAX_ENTRIES": 10000}})


class FailSafeRedisCache(RedisCache):
    """Django's Redis cache with a memory fallback behind a circuit breaker (see the module docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self.fallback = fallback_cache()

    def _call(self, name: str, *args, **kwargs):
        if breaker.allow():
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except REDIS_DOWN as error:
                breaker.failed(error)
            else:
                breaker.succeeded()
                return result
        return getattr(self.fallback, name)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        return self._call("clear")
