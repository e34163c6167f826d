"""Redis is not the truth: with Redis unreachable the site reads, posts, moderates and signs in,
logs the outage once, and picks Redis up again by itself when it returns.

Two ways Redis goes away are tried with the settings a production deployment gets from
``REDIS_URL`` (read from ``participation/settings.py``, so timeouts and options are the real
ones): a URL pointing at a closed port, and a private ``redis-server`` started on a free port
inside the test, then stopped (or frozen) and restarted. The shared Redis is never touched.
"""

from __future__ import annotations

import logging
import runpy
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.urls import reverse

from consultations.actions.discussions import post_comment
from consultations.models import Comment
from participation import redis_guard
from tests.cms.conftest import cache_state
from tests.factories import PASSWORD, make_discussion, make_user

pytestmark = pytest.mark.django_db

SETTINGS = Path(__file__).resolve().parents[2] / "participation" / "settings.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_redis_settings(monkeypatch, url: str) -> dict:
    """CACHES and CHANNEL_LAYERS exactly as settings.py builds them for ``REDIS_URL=url``."""
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv("REDIS_PREFIX", f"mitreden-test-edge-{free_port()}")
    loaded = runpy.run_path(str(SETTINGS))
    return {name: loaded[name] for name in ("CACHES", "CHANNEL_LAYERS")}


@pytest.fixture
def use_redis(settings, monkeypatch):
    """Point the cache and the channel layer at a Redis URL; forget the guards' state after."""

    def use(url: str) -> None:
        for name, value in production_redis_settings(monkeypatch, url).items():
            setattr(settings, name, value)
        settings.REDIS_RETRY_SECONDS = 0.2

    redis_guard.reset()
    yield use
    redis_guard.reset()


@pytest.fixture
def content_page(db):
    from wagtail.models import Page, Site

    from cms.models import ContentPage, HomePage

    home = Page.get_first_root_node().add_child(
        instance=HomePage(title="Startseite", slug="startseite", hero_heading="Musterstadt")
    )
    Site.objects.filter(is_default_site=True).update(root_page=home)
    return home.add_child(
        instance=ContentPage(title="Rathaus", slug="rathaus", intro="Alte Einleitung")
    )


def sign_in(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


# --- A REDIS_URL pointing at a closed port -------------------------------------------------


@pytest.fixture
def dead_redis(use_redis):
    use_redis(f"redis://127.0.0.1:{free_port()}/0")


def test_pages_answer_uncached_with_redis_down(client, dead_redis, content_page):
    for _ in range(2):
        response = client.get(content_page.url)
        assert response.status_code == 200
        assert "Rathaus" in response.content.decode()
        assert cache_state(response) is None


def test_posting_and_moderating_work_with_redis_down(
    client, dead_redis, django_capture_on_commit_callbacks
):
    discussion = make_discussion()
    resident = make_user(pseudonym="Anna")
    moderator = make_user(pseudonym="Kim_Moderatorin", groups=("Site moderators",))

    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("post_comment", args=[discussion.pk]), {"text": "Ohne Redis"}
        )
    assert response.status_code == 302
    comment = Comment.objects.get(text="Ohne Redis")

    client.force_login(moderator)
    assert client.get(reverse("moderation_queue")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("moderate_comment", args=[comment.pk]),
            {"decision": "hide", "reason": "spam", "note": ""},
        )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN


def test_signing_in_works_with_redis_down(client, dead_redis):
    user = make_user(email="anna@example.org")
    response = sign_in(client, user)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_outage_is_logged_once_not_per_request(client, dead_redis, content_page, caplog):
    caplog.set_level(logging.WARNING)
    user = make_user(email="anna@example.org")
    for _ in range(5):
        assert client.get(content_page.url).status_code == 200
        assert sign_in(client, user).status_code == 302
        client.logout()
    # Creating the page (a fixture) met the dead Redis first.
    records = caplog.get_records("setup") + caplog.get_records("call")
    outage = [r for r in records if "Redis" in r.getMessage()]
    assert len(outage) == 1, [r.getMessage() for r in outage]


def test_a_redis_that_never_answers_stalls_no_more_than_one_request(
    client, use_redis, content_page
):
    """A port that accepts connections and never answers (a hung Redis): the first request
    waits for the socket timeout once; the next ones do not wait at all."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(64)
        use_redis(f"redis://127.0.0.1:{hung.getsockname()[1]}/0")
        started = time.monotonic()
        assert client.get(content_page.url).status_code == 200
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(5):
            assert client.get(content_page.url).status_code == 200
        following = time.monotonic() - started
    assert first < 5
    assert following < 4, f"five requests took {following:.1f} s while Redis hung"


# --- A private redis-server, stopped and restarted -----------------------------------------


class PrivateRedis:
    """A ``redis-server`` of this test's own on a free port, without persistence."""

    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.thaw()
        server.stop()


def wait_for_recovery(timeout: float = 10) -> None:
    """Until each guard's prober has found Redis again: a prober ends with its recovery."""
    deadline = time.monotonic() + timeout
    for guard in redis_guard.guards():
        if guard._prober is not None:
            guard._prober.join(max(deadline - time.monotonic(), 0))
    assert all(guard.available() for guard in redis_guard.guards()), "Redis not picked up again"


def test_redis_stopped_and_restarted_mid_test(client, use_redis, private_redis, content_page):
    use_redis(private_redis.url)
    client.get(content_page.url)
    assert cache_state(client.get(content_page.url)) == "hit"

    private_redis.stop()
    for _ in range(3):
        response = client.get(content_page.url)
        assert response.status_code == 200
        assert cache_state(response) is None
    user = make_user(email="anna@example.org")
    assert sign_in(client, user).status_code == 302
    client.logout()

    private_redis.start()
    wait_for_recovery()
    assert cache_state(client.get(content_page.url)) == "miss"
    assert cache_state(client.get(content_page.url)) == "hit"


def test_changes_made_while_redis_hung_are_not_hidden_by_old_copies(
    client, use_redis, private_redis, content_page, django_capture_on_commit_callbacks
):
    """Redis keeps its data but does not answer (frozen) while a comment is posted: the
    invalidation is lost, so when Redis answers again the copies stored before must go."""
    discussion = make_discussion()
    use_redis(private_redis.url)
    url = reverse("discussion_detail", args=[discussion.pk])
    client.get(content_page.url)
    assert cache_state(client.get(content_page.url)) == "hit"

    private_redis.freeze()
    content_page.intro = "Neue Einleitung"
    content_page.save_revision().publish()
    with django_capture_on_commit_callbacks(execute=True):
        post_comment(author=make_user(), discussion=discussion, text="Während Redis hing")
    assert "Neue Einleitung" in client.get(content_page.url).content.decode()
    private_redis.thaw()

    wait_for_recovery()
    response = client.get(content_page.url)
    assert "Neue Einleitung" in response.content.decode()
    assert "Während Redis hing" in client.get(url).content.decode()


def test_login_limits_still_hold_with_redis_down(client, dead_redis, settings):
    """The limits live in the cache; with Redis away they count in this process, they do not
    give up (fail open)."""
    settings.LANGUAGE_CODE = "en"
    user = make_user(email="anna@example.org")
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": "wrong-password-0"}
        )
        assert "not correct" in response.content.decode()
    response = sign_in(client, user)
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_live_sockets_are_closed_to_reconnect_later_with_redis_down(dead_redis, caplog):
    """No live updates while Redis is away: the socket is closed with "service restart" (the
    browser retries with a growing delay and catches up from the database), without waiting
    for Redis and without a server error."""
    from asgiref.sync import sync_to_async
    from channels.routing import URLRouter
    from channels.testing import WebsocketCommunicator
    from django.contrib.auth.models import AnonymousUser

    from consultations.hubs import CLOSE_SERVICE_RESTART
    from consultations.routing import websocket_urlpatterns
    from tests.factories import make_consultation

    consultation = await sync_to_async(make_consultation)(active="results")
    for _ in range(3):
        comm = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns), f"/ws/consultations/{consultation.pk}/"
        )
        comm.scope["user"] = AnonymousUser()
        started = time.monotonic()
        connected, code = await comm.connect(timeout=5)
        assert (connected, code) == (False, CLOSE_SERVICE_RESTART)
        assert time.monotonic() - started < 2
        await comm.disconnect()
    # The guard logs the outage; sockets refused meanwhile add no traceback each.
    assert not [r for r in caplog.records if r.name == "consultations.consumers"]
