"""Redis is a helper, not the truth: notice when it is gone, stop asking it, notice its return.

One ``RedisGuard`` per Redis address and process. The cache (``participation.cache``) and the
live broadcasts (``consultations.realtime``) ask ``available()`` before they talk to Redis and
report ``failed()`` when it does not answer. Once failed, nobody in the process talks to that
Redis again (no request waits for a connect or socket timeout) until a background thread's
``PING`` gets an answer, every ``REDIS_RETRY_SECONDS``. Before the guard lets requests back,
it runs the recovery hooks (``on_recovery``): whatever was written while Redis was away never
reached it, so the page cache starts a new generation there (``cms/signals.py``).

The outage is logged when it starts, then at most once every ``REDIS_LOG_SECONDS`` while it
lasts, and once when it ends; never per request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger("participation.redis")

_guards: dict[str, RedisGuard] = {}
_guards_lock = threading.Lock()
_recovery_hooks: list[Callable[[], None]] = []
_local = threading.local()

REDIS_ERRORS: tuple[type[BaseException], ...]
try:
    from redis.exceptions import RedisError

    REDIS_ERRORS = (RedisError, OSError, TimeoutError)
except ImportError:  # pragma: no cover - redis is a dependency
    REDIS_ERRORS = (OSError, TimeoutError)


class RedisAway(ConnectionError):
    """Redis is known to be away: the call was not even tried."""


def _setting(name: str, default: float) -> float:
    try:
        return float(getattr(settings, name, default))
    except Exception:  # settings not configured (logging set up early)
        return default


class RedisGuard:
    """Whether one Redis address may be used by this process now (a circuit breaker)."""

    def __init__(self, address: str):
        self.address = address
        self._up = True
        self._lock = threading.Lock()
        self._prober: threading.Thread | None = None
        # Bumped by reset(): a prober of an older epoch stops without touching the state.
        self._epoch = 0

    def available(self) -> bool:
        """True when Redis answered last time (or this thread is running the recovery hooks)."""
        return self._up or getattr(_local, "recovering", None) is self

    def failed(self, error: BaseException) -> None:
        """Redis did not answer: stop using it and start probing for its return."""
        if getattr(_local, "recovering", None) is self:
            _local.failed = True
            return
        with self._lock:
            if not self._up:
                return
            self._up = False
            retry = _setting("REDIS_RETRY_SECONDS", 2)
            logger.warning(
                "Redis at %s is unreachable (%s); serving without it (no shared cache, no "
                "live updates) and trying again every %g s",
                _display(self.address),
                error,
                retry,
            )
            self._prober = threading.Thread(
                target=self._probe, args=(self._epoch,), name="redis-guard", daemon=True
            )
            self._prober.start()

    def _probe(self, epoch: int) -> None:
        down_since = last_logged = time.monotonic()
        while True:
            time.sleep(_setting("REDIS_RETRY_SECONDS", 2))
            if epoch != self._epoch:
                return
            try:
                self._ping()
                if self._recover():
                    with self._lock:
                        if epoch == self._epoch:
                            self._up = True
                    logger.warning(
                        "Redis at %s answers again after %.0f s; using it again",
                        _display(self.address),
                        time.monotonic() - down_since,
                    )
                    return
            except REDIS_ERRORS as error:
                if time.monotonic() - last_logged >= _setting("REDIS_LOG_SECONDS", 60):
                    last_logged = time.monotonic()
                    logger.warning(
                        "Redis at %s is still unreachable after %.0f s (%s)",
                        _display(self.address),
                        last_logged - down_since,
                        error,
                    )

    def _ping(self) -> None:
        import redis

        client = redis.Redis.from_url(
            self.address,
            socket_connect_timeout=_setting("REDIS_CONNECT_TIMEOUT", 0.5),
            socket_timeout=_setting("REDIS_SOCKET_TIMEOUT", 1),
        )
        try:
            client.ping()
        finally:
            client.close()

    def _recover(self) -> bool:
        """Run the recovery hooks against Redis before anybody else may use it again."""
        _local.recovering, _local.failed = self, False
        try:
            for hook in list(_recovery_hooks):
                hook()
        except REDIS_ERRORS:
            return False
        except Exception:
            logger.exception("A Redis recovery hook failed")
        finally:
            failed = _local.failed
            _local.recovering = _local.failed = None
        return not failed


def _display(address: str) -> str:
    """The address without a password."""
    if "@" in address:
        scheme, _, rest = address.partition("://")
        return f"{scheme}://***@{rest.rpartition('@')[2]}"
    return address


def guard_for(address: str) -> RedisGuard:
    guard = _guards.get(address)
    if guard is not None:
        return guard
    with _guards_lock:
        guard = _guards.get(address)
        if guard is None:
            guard = _guards[address] = RedisGuard(address)
        return guard


def guard_for_layer(layer) -> RedisGuard | None:
    """The guard of a ``channels_redis`` layer's (first) Redis; None for other layers."""
    # Read the configuration without attribute access: the pub/sub layer answers unknown
    # attributes from a per-event-loop layer, which fails outside a running loop.
    attributes = getattr(layer, "__dict__", {})
    hosts = attributes.get("hosts") or attributes.get("_kwargs", {}).get("hosts") or ()
    for host in hosts:
        address = host.get("address") if isinstance(host, dict) else host
        if isinstance(address, str):
            return guard_for(address)
    return None


def guards() -> list[RedisGuard]:
    with _guards_lock:
        return list(_guards.values())


def on_recovery(hook: Callable[[], None]) -> None:
    """Run ``hook`` when Redis answers again after an outage, before requests use it again."""
    if hook not in _recovery_hooks:
        _recovery_hooks.append(hook)


def reset() -> None:
    """Forget every guard's state (tests point the cache at other servers)."""
    with _guards_lock:
        for guard in _guards.values():
            guard._epoch += 1  # its prober stops
            guard._up = True
        _guards.clear()


class OncePerInterval(logging.Filter):
    """Let each message through at most once every ``REDIS_LOG_SECONDS``.

    For libraries that log every retry while Redis is away: channels_redis's pub/sub receiver
    logs a traceback every second until Redis answers again (``LOGGING`` in settings).
    """

    def __init__(self, name: str = ""):
        super().__init__(name)
        self._last: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < _setting("REDIS_LOG_SECONDS", 60):
                return False
            self._last[key] = now
        return True
