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
    settings.SURVEY_RESULTS_COALESCE_SECONDS = 0


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


# Tests that need a service CI provides. Where it is missing they skip, and ``pytest -ra`` lists
# every skip with its reason; with REQUIRE_SERVICES=1 (set by .ci/run) such a skip fails the
# run instead, whatever skipped it (a marker below, a module's own skipif, a fixture).
SERVICE_MARKERS = ("browser", "postgres", "redis")


def _missing_service(item) -> str | None:
    database_url = os.environ.get("DATABASE_URL", "")
    if item.get_closest_marker("postgres") and not database_url.startswith("postgres"):
        return "needs DATABASE_URL pointing at PostgreSQL (set by .ci/run)"
    if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        return "needs REDIS_URL (set by .ci/run)"
    return None


def pytest_runtest_setup(item):
    reason = _missing_service(item)
    if reason:
        pytest.skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if not (report.skipped and os.environ.get("REQUIRE_SERVICES") == "1"):
        return report
    services = [name for name in SERVICE_MARKERS if item.get_closest_marker(name)]
    if services:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"REQUIRE_SERVICES=1, but this {'/'.join(services)} test was skipped: {reason}"
        )
    return report
