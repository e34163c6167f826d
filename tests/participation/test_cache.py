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
