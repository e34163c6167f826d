import contextlib
import os

import pytest


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    """Fast password hashing, local e-mail, in-memory media for every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Tallies go out at once in tests; coalescing itself is tested with a real delay.
    settings.LIVE_COALESCE_SECONDS = 0


@pytest.fixture(autouse=True)
def _redis_guards_start_fresh():
    """A test that made Redis fail (really or mocked) must not leave it "away" for the next:
    the guards (participation/redis_guard.py) are process-wide."""
    from participation import redis_guard

    redis_guard.reset()
    yield
    redis_guard.reset()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    yield
    with contextlib.suppress(Exception):  # a test may have pointed the cache elsewhere
        clear_own_keys(cache)


def clear_own_keys(cache) -> None:
    """Empty the cache between tests. Redis is shared (with the server processes the deployment
    tests start, each with a prefix of its own), so only this run's prefixed keys go, never the
    whole database as ``cache.clear()`` (FLUSHDB) would."""
    from django.core.cache.backends.redis import RedisCache

    if not isinstance(cache, RedisCache):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def needs_postgres():
    return pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")),
        reason="needs DATABASE_URL pointing at PostgreSQL (set by .ci/run)",
    )


def needs_redis():
    return pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (set by .ci/run)"
    )
