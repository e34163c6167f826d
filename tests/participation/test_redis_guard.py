"""The guard behind every Redis call: trips once, probes in the background, recovers after its
hooks ran, and keeps library log spam to one line per interval."""

import logging
import socket
import subprocess
import threading

import pytest

from participation import redis_guard


@pytest.fixture(autouse=True)
def _probe_often(settings):
    # Guards start fresh for every test (tests/conftest.py); here they probe every 0.1 s.
    settings.REDIS_RETRY_SECONDS = 0.1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_recovery_hooks_run_against_redis_before_anybody_else_uses_it(tmp_path, monkeypatch):
    port = free_port()
    guard = redis_guard.guard_for(f"redis://127.0.0.1:{port}/0")
    seen = []
    recovered = threading.Event()

    def hook():
        seen.append(guard.available())
        recovered.set()

    monkeypatch.setattr(redis_guard, "_recovery_hooks", [hook])
    probes = threading.Semaphore(0)
    ping = guard._ping

    def counted_ping():
        try:
            ping()
        finally:
            probes.release()

    monkeypatch.setattr(guard, "_ping", counted_ping)

    guard.failed(ConnectionError("gone"))
    assert not guard.available()
    for _ in range(2):
        assert probes.acquire(timeout=5)  # the prober asked, and Redis was still away
    assert not guard.available() and seen == []  # still away: nothing ran

    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        assert recovered.wait(10)
        guard._prober.join(5)  # the prober ends once Redis is in use again
        assert guard.available()
        assert seen == [True]  # the hook could use Redis, before requests could
    finally:
        server.kill()
        server.wait()


def test_library_messages_repeating_every_second_are_logged_once_per_interval(settings):
    settings.REDIS_LOG_SECONDS = 60
    once = redis_guard.OncePerInterval()
    name = "channels_redis.pubsub"
    record = logging.LogRecord(name, logging.ERROR, "", 0, "Unexpected", (), None)
    other = logging.LogRecord(name, logging.ERROR, "", 0, "Other", (), None)
    assert [once.filter(record) for _ in range(5)] == [True, False, False, False, False]
    assert once.filter(other)
    settings.REDIS_LOG_SECONDS = 0
    assert once.filter(record)


def test_the_logged_address_hides_a_password():
    assert redis_guard._display("redis://:geheim@cache:6379/0") == "redis://***@cache:6379/0"
