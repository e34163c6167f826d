"""The Redis cache shares one client per process, whatever thread or request context asks."""

import asyncio
import threading

from participation.cache import SharedRedisCache


def make(location="redis://127.0.0.1:6379/9", **options):
    return SharedRedisCache(location, {"OPTIONS": options})


def test_cache_objects_of_a_process_share_one_client_across_threads_and_contexts():
    clients = [make()._cache]
    thread = threading.Thread(target=lambda: clients.append(make()._cache))
    thread.start()
    thread.join()

    async def in_another_context():
        return make()._cache

    clients.append(asyncio.run(in_another_context()))
    assert len(clients) == 3
    assert all(client is clients[0] for client in clients)


def test_other_servers_or_options_get_their_own_client():
    shared = make()._cache
    assert make("redis://127.0.0.1:6379/8")._cache is not shared
    assert make(db=3)._cache is not shared


def dead_location() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


def test_with_redis_away_the_default_alias_counts_in_process_memory(settings):
    """Rate limits live in the cache: a dead Redis must not hand out unlimited attempts."""
    from participation import redis_guard

    settings.REDIS_RETRY_SECONDS = 60
    redis_guard.reset()
    try:
        cache = make(dead_location(), FALLBACK="memory", socket_connect_timeout=0.5)
        assert cache.add("attempts", 1) is True
        assert cache.incr("attempts") == 2
        assert cache.get("attempts") == 2
        assert cache.add("attempts", 1) is False
        assert not cache.guard.available()
    finally:
        redis_guard.reset()


def test_with_redis_away_the_pages_alias_stores_nothing(settings):
    from participation import redis_guard

    settings.REDIS_RETRY_SECONDS = 60
    redis_guard.reset()
    try:
        cache = make(dead_location(), FALLBACK="none", socket_connect_timeout=0.5)
        cache.set("page", "<html>")
        assert cache.get("page") is None
    finally:
        redis_guard.reset()


def test_the_memory_fallback_starts_empty_after_redis_returns(settings):
    """What one outage left in process memory must not be served in the next one."""
    from participation import redis_guard
    from participation.cache import forget_fallbacks

    settings.REDIS_RETRY_SECONDS = 60
    cache = make(dead_location(), FALLBACK="memory", socket_connect_timeout=0.5)
    cache.set("wagtail_site_root_paths", ["/old/"])
    assert cache.get("wagtail_site_root_paths") == ["/old/"]
    assert forget_fallbacks in redis_guard._recovery_hooks
    forget_fallbacks()
    assert cache.get("wagtail_site_root_paths") is None
