"""The city deployment: gunicorn (WSGI) serves pages, uvicorn (ASGI) serves /ws/, sharing one
database and Redis. A change made in a third process reaches a browser's socket through Redis.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from django.core import signing
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.deployment import harness

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not harness.redis_url(),
        reason="the production split needs REDIS_URL (set by .ci/run): without Redis, "
        "processes cannot share the channel layer",
    ),
]

CONSULTATION_SLUG = "zukunft-der-stadthalle"
CONSULTATION_PAGE = "/beteiligungen/zukunft-der-stadthalle/"


LIVE_SOCKET = re.compile(r'data-live-socket="(/ws/live/)" data-live-token="([^"]+)"')


class Split:
    def __init__(self, *, env, pages, sockets):
        self.env = env
        self.pages = pages
        self.sockets = sockets

    def live_socket(self) -> tuple[str, int]:
        """Where the consultation page (served by gunicorn) tells browsers to connect, and the
        consultation's id."""
        status, _headers, body = harness.http_get(self.pages.base_url + CONSULTATION_PAGE)
        assert status == 200
        match = LIVE_SOCKET.search(body.decode())
        assert match, "the consultation page names no live socket"
        token = match.group(2)
        payload = json.loads(signing.b64_decode(token.split(":")[0].encode()))
        return f"{match.group(1)}?token={token}", payload["c"]

    def socket_url(self, path: str) -> str:
        return f"ws://{harness.LOOPBACK}:{self.sockets.port}{path}"

    @property
    def socket_origin(self) -> str:
        return f"http://{harness.LOOPBACK}:{self.sockets.port}"

    def publish_results(self, statement: str) -> None:
        """What an editor's click does, run in a process of its own (like a third server)."""
        harness.shell(
            "from consultations.actions.consultations import publish_results\n"
            "from consultations.models import Consultation, User\n"
            f"consultation = Consultation.objects.get(slug={CONSULTATION_SLUG!r})\n"
            "editor = User.objects.get(email='redaktion@mitreden.test')\n"
            f"publish_results(editor=editor, consultation=consultation, statement={statement!r})\n",
            env=self.env,
        )


@pytest.fixture(scope="module")
def split(demo_site, server_logs):
    database = demo_site.clone("deployment")
    env = demo_site.environment(database, redis=harness.redis_url())
    pages = harness.ServerProcess(
        "gunicorn",
        harness.gunicorn_argv(0, workers=2),
        env=env,
        port=0,
        log_dir=server_logs,
    )
    sockets = harness.ServerProcess(
        "uvicorn",
        harness.uvicorn_argv(0),
        env=env,
        port=0,
        log_dir=server_logs,
    )
    try:
        pages.launch()
        sockets.launch()
        pages.wait_until_ready()
        sockets.wait_until_ready()
        yield Split(env=env, pages=pages, sockets=sockets)
    finally:
        harness.stop_all([pages, sockets])
        database.drop()


def test_gunicorn_serves_pages_and_static_files(split):
    status, _headers, body = harness.http_get(split.pages.base_url + "/")
    assert status == 200
    html = body.decode()
    assert "Zukunft der Stadthalle" in html
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    status, headers, _css = harness.http_get(split.pages.base_url + stylesheet)
    assert status == 200
    assert headers.get("Content-Type", "").startswith("text/css")

    status, _headers, body = harness.http_get(split.pages.base_url + CONSULTATION_PAGE)
    assert status == 200
    assert "Zukunft der Stadthalle" in body.decode()


def receive_event(socket, event_type: str, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no {event_type} event within {timeout} s")
        event = json.loads(socket.recv(timeout=remaining))
        if event.get("type") == event_type:
            return event


def test_event_from_a_third_process_reaches_a_socket_on_uvicorn(split):
    statement = "Der Rat hat beschlossen, die Stadthalle zu sanieren."
    path, consultation_id = split.live_socket()
    with connect(split.socket_url(path), origin=split.socket_origin, open_timeout=15) as socket:
        split.publish_results(statement)
        event = receive_event(socket, "consultation.results_published")
    assert event["payload"]["consultation"] == consultation_id
    assert event["payload"]["statement"] == statement
    assert isinstance(event["id"], int)


def test_socket_from_a_foreign_origin_is_refused(split):
    path, _consultation_id = split.live_socket()
    with pytest.raises(InvalidStatus) as refused:
        with connect(split.socket_url(path), origin="https://evil.example", open_timeout=15):
            pass
    assert refused.value.response.status_code == 403


def test_results_published_elsewhere_replace_the_cached_page_on_gunicorn(split):
    """The page cache lives in Redis: a change made by another process retires the copies
    that every gunicorn worker serves to anonymous readers."""
    url = split.pages.base_url + CONSULTATION_PAGE
    # Other test runs on this machine may flush the shared Redis now and then: ask again.
    cached = [harness.http_get(url)[1].get("X-Page-Cache") for _ in range(5)]
    assert "hit" in cached, f"the page was never served from the cache: {cached}"

    statement = "Die Stadthalle bleibt stehen und wird bis 2029 saniert."
    split.publish_results(statement)
    for _ in range(4):  # whichever worker answers, it must not serve the old copy
        status, _headers, body = harness.http_get(url)
        assert status == 200
        assert statement in body.decode()
