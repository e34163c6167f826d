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
def _clear_cache():
    from django.core.cache import cache

    yield
    with contextlib.suppress(Exception):  # a test may have pointed the cache elsewhere
        cache.clear()


def needs_postgres():
    return pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")),
        reason="needs DATABASE_URL pointing at PostgreSQL (set by .ci/run)",
    )


def needs_redis():
    return pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (set by .ci/run)"
    )
