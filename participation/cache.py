"""Django's Redis cache, with one client (and connection pool) per process.

Django keeps a cache object per thread, and under ASGI per request context, so the stock
``RedisCache`` builds a new client with a new connection pool for nearly every request served by
uvicorn: measured, one new Redis connection per request, about 3 ms each (docs/benchmarks.md).
redis-py's pools are thread-safe, so every cache object of a process can share one.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property

_clients: dict[tuple, object] = {}
_lock = threading.Lock()


class SharedRedisCache(RedisCache):
    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client
