"""Django's Redis cache, with one client (and connection pool) per process, that survives Redis.

Django keeps a cache object per thread, and under ASGI per request context, so the stock
``RedisCache`` builds a new client with a new connection pool for nearly every request served by
uvicorn: measured, one new Redis connection per request, about 3 ms each (docs/benchmarks.md).
redis-py's pools are thread-safe, so every cache object of a process can share one.

Redis is not the truth. When it does not answer (stopped, wrong address, hung), the stock
backend raises on every call and every page fails. Here every operation goes through the
process's ``RedisGuard`` for that address (``participation/redis_guard.py``): the first failure
is logged and switches the process to its *fallback* until Redis answers again, without
waiting for Redis on each request. The fallback is chosen per cache alias with the
``FALLBACK`` option:

- ``"memory"`` (the default alias): a local-memory cache of this process. Rate limits
  (allauth's and ours, ``participation/login_policy.py``) keep counting, per process, so a dead
  Redis never hands out unlimited attempts; locks keep working.
- ``"none"`` (the page cache's alias): nothing is stored or found, pages are rendered afresh.
  A per-process copy of pages would miss the invalidations of the other processes.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property

from participation import redis_guard

_clients: dict[tuple, object] = {}
_lock = threading.Lock()
# Names of this process's local-memory fallbacks (LocMemCache keeps data per name).
_fallback_names: set[str] = set()

FALLBACKS = ("memory", "none")


class SharedRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.fallback_kind = options.pop("FALLBACK", "memory")
        if self.fallback_kind not in FALLBACKS:
            raise ValueError(f"FALLBACK must be one of {FALLBACKS}, got {self.fallback_kind!r}")
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._fallback_params = {
            "TIMEOUT": params.get("TIMEOUT", 300),
            "KEY_PREFIX": params.get("KEY_PREFIX", ""),
            "VERSION": params.get("VERSION", 1),
            "OPTIONS": {"MAX_ENTRIES": 10000},
        }

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client

    @property
    def guard(self) -> redis_guard.RedisGuard:
        return redis_guard.guard_for(self._servers[0])

    @cached_property
    def fallback(self):
        """Where operations go while Redis is away (see the module docstring)."""
        if self.fallback_kind == "none":
            return DummyCache("", self._fallback_params)
        # LocMemCache instances with one name share their data: one fallback per process.
        name = f"redis-fallback:{self._servers[0]}"
        _fallback_names.add(name)
        return LocMemCache(name, self._fallback_params)


def _guarded(name: str):
    redis_operation = getattr(RedisCache, name)

    def operation(self, *args, **kwargs):
        if self.guard.available():
            try:
                return redis_operation(self, *args, **kwargs)
            except redis_guard.REDIS_ERRORS as error:
                self.guard.failed(error)
        return getattr(self.fallback, name)(*args, **kwargs)

    operation.__name__ = name
    operation.__doc__ = f"``RedisCache.{name}``, or the fallback's while Redis is away."
    return operation


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(SharedRedisCache, _name, _guarded(_name))


def is_available(cache) -> bool:
    """Whether ``cache`` reaches its store now (always, unless it is a Redis that is away)."""
    guard = getattr(cache, "guard", None)
    return guard is None or guard.available()


def forget_fallbacks() -> None:
    """Empty the local-memory fallbacks once Redis is back: what they hold (Wagtail's site
    paths, counters) would be outdated by the next outage."""
    for name in list(_fallback_names):
        LocMemCache(name, {}).clear()


redis_guard.on_recovery(forget_fallbacks)
