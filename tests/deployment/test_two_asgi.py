"""Two uvicorn processes share one PostgreSQL database and Redis, as behind a load balancer.

A resident's comment posted over HTTP to process A reaches a WebSocket held by process B; a
moderator's removal through A follows it there without the removed text; and a socket that
reconnects to B catches up on what A did, from the shared database.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import secrets
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from websockets.sync.client import connect

from tests.deployment import harness

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (harness.postgres_url() and harness.redis_url()),
        reason="two ASGI processes are tested as deployed, on one PostgreSQL "
        "(DATABASE_URL=postgres://...) and one Redis (REDIS_URL), as .ci/run sets them: "
        "without Redis, processes cannot share the channel layer",
    ),
]

CONSULTATION_PAGE = "/beteiligungen/zukunft-der-stadthalle/"
DEMO_PASSWORD = "mitreden-demo"  # cms/demo/loader.py
RESIDENT, OTHER_RESIDENT, MODERATOR = (
    "anna@mitreden.test",
    "ben@mitreden.test",
    "moderation@mitreden.test",
)
EVENT_TIMEOUT = 5.0

PAGE_SOCKET = re.compile(
    r'data-live-socket="(?P<socket>/ws/live/)" data-live-token="(?P<token>[^"]+)"\s+'
    r'data-live-last-event="(?P<last_event>\d+)"'
)
DISCUSSION = re.compile(r'data-discussion="(?P<id>\d+)"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """Just enough of a browser for Django forms over plain HTTP: a cookie jar, the CSRF token
    from the page, and the Origin header a browser adds to every POST."""

    def __init__(self, server: harness.ServerProcess):
        self.server = server
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, form: dict | None = None, accept="text/html"):
        """One request, no redirects followed: (status, Location, body)."""
        headers = {"Accept": accept, "Accept-Language": "de"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.server.base_url
        connection = http.client.HTTPConnection(harness.LOOPBACK, self.server.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.msg.get_all("Set-Cookie") or ():
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return response.status, response.getheader("Location"), response.read().decode()
        finally:
            connection.close()

    def page(self, path: str) -> str:
        """GET a page, following redirects like a browser."""
        for _ in range(5):
            status, location, body = self.request("GET", path)
            if status not in (301, 302, 303):
                assert status == 200, f"GET {path} answered {status}"
                return body
            path = location
        raise AssertionError(f"too many redirects from {path}")

    def log_in(self, email: str) -> Browser:
        form = {"login": email, "password": DEMO_PASSWORD}
        status, location, body = self.post("/konto/login/", form)
        assert status == 302, f"logging in {email} answered {status}:\n{body[:2000]}"
        assert "/konto/login/" not in location
        return self

    def post(self, path: str, form: dict, *, page: str | None = None, accept="text/html"):
        """Submit a form found on ``page`` (the form's own page by default), CSRF token included."""
        token = CSRF_FIELD.search(self.page(page or path))
        assert token, f"no CSRF token on {page or path}"
        return self.request(
            "POST", path, form={"csrfmiddlewaretoken": token.group(1), **form}, accept=accept
        )


def discussion_on_page(body: str) -> dict:
    """The demo discussion as the consultation page announces it to discussion.js."""
    match, discussion = PAGE_SOCKET.search(body), DISCUSSION.search(body)
    assert match and discussion, "the consultation page names no socket or discussion"
    return {
        "id": int(discussion["id"]),
        "socket": f"{match['socket']}?token={match['token']}",
        "last_event": int(match["last_event"]),
    }


def post_comment(resident: Browser, text: str) -> tuple[dict, int]:
    """Post like discussion.js does (fetch, JSON answer); returns the discussion as the page
    showed it before posting, and the new comment's id."""
    body = resident.page(CONSULTATION_PAGE)
    discussion = discussion_on_page(body)
    action = f"/diskussionen/{discussion['id']}/kommentieren/"
    assert f'action="{action}"' in body, "the consultation page offers no comment form"
    status, _location, answer = resident.post(
        action, {"text": text}, page=CONSULTATION_PAGE, accept="application/json"
    )
    assert status == 201, f"posting a comment answered {status}: {answer[:2000]}"
    answer = json.loads(answer)
    assert answer["pending"] is False, "the Stadthalle discussion is not pre-moderated"
    return discussion, answer["id"]


def hide_comment(moderator: Browser, comment_id: int) -> str:
    """Hide a comment with the form under it (a plain form POST); returns the public reason as
    the form labels it."""
    body = moderator.page(f"/kommentare/{comment_id}/")
    action = f"/kommentare/{comment_id}/moderieren/"
    forms = re.findall(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', body, re.S)
    hide = [form for form in forms if 'name="reason"' in form]
    assert hide, f"no hide form under comment {comment_id} for the moderator"
    reasons = dict(re.findall(r'<option value="(\w+)">([^<]+)</option>', hide[0]))
    assert "off_topic" in reasons, reasons
    status, location, answer = moderator.post(
        action,
        {"decision": "hide", "reason": "off_topic", "note": "", "next": "/moderation/"},
        page=f"/kommentare/{comment_id}/",
    )
    assert status == 302, f"hiding answered {status}: {answer[:2000]}"
    assert location == "/moderation/"
    return html.unescape(reasons["off_topic"])


class Pair:
    def __init__(self, *, a: harness.ServerProcess, b: harness.ServerProcess):
        self.a = a
        self.b = b

    def browser(self, email: str) -> Browser:
        """A person using the site through process A."""
        return Browser(self.a).log_in(email)

    def socket(self, path: str):
        """A viewer's socket on process B, from a page B served (so its Origin is allowed)."""
        return connect(
            f"ws://{harness.LOOPBACK}:{self.b.port}{path}",
            origin=self.b.base_url,
            open_timeout=15,
        )


@pytest.fixture(scope="module")
def pair(demo_site, server_logs):
    database = demo_site.clone("deployment")
    env = demo_site.environment(database, redis=harness.redis_url())
    servers = [
        harness.ServerProcess(
            name,
            harness.uvicorn_argv(0),
            env=env,
            port=0,
            log_dir=server_logs,
        )
        for name in ("uvicorn-a", "uvicorn-b")
    ]
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_until_ready()
        yield Pair(a=servers[0], b=servers[1])
    finally:
        harness.stop_all(servers)
        database.drop()


def receive_events(socket, wanted: int, *, about: int, timeout: float = EVENT_TIMEOUT):
    """The next ``wanted`` frames about comment ``about``, as (raw text, event), skipping others
    (reaction tallies, other tests' comments)."""
    frames = []
    deadline = time.monotonic() + timeout
    while len(frames) < wanted:
        try:
            raw = socket.recv(timeout=max(deadline - time.monotonic(), 0.001))
        except TimeoutError:
            raise AssertionError(
                f"{len(frames)} of {wanted} events about comment {about} within {timeout} s: "
                f"{frames}"
            ) from None
        event = json.loads(raw)
        if (event.get("payload") or {}).get("id") == about:
            frames.append((raw, event))
    return frames


def unique_text() -> tuple[str, str]:
    marker = f"zweiprozess{secrets.token_hex(6)}"
    return marker, f"Bitte mehr Sitzplätze im Foyer ({marker})."


def test_comment_posted_on_a_reaches_a_socket_on_b(pair):
    resident = pair.browser(RESIDENT)
    discussion = discussion_on_page(resident.page(CONSULTATION_PAGE))
    marker, text = unique_text()
    with pair.socket(discussion["socket"]) as socket:
        _discussion, comment_id = post_comment(resident, text)
        [(_raw, event)] = receive_events(socket, 1, about=comment_id)

    assert event["type"] == "discussion.comment_posted"
    assert isinstance(event["id"], int) and event["id"] > discussion["last_event"]
    payload = event["payload"]
    assert payload["discussion"] == discussion["id"]
    assert payload["visible"] is True
    assert payload["author"] == "Anna aus der Altstadt"
    assert marker in payload["html"]
    assert "Sitzplätze" in payload["html"]


def test_removal_on_a_reaches_b_with_the_reason_and_without_the_text(pair):
    resident, moderator = pair.browser(OTHER_RESIDENT), pair.browser(MODERATOR)
    marker, text = unique_text()
    discussion, comment_id = post_comment(resident, text)
    with pair.socket(discussion["socket"]) as socket:
        reason = hide_comment(moderator, comment_id)
        [(raw, event)] = receive_events(socket, 1, about=comment_id)

    assert event["type"] == "discussion.comment_changed"
    assert isinstance(event["id"], int)
    payload = event["payload"]
    assert payload["status"] == "hidden"
    assert reason in payload["tombstone"]
    assert "author" not in payload and "data-tombstone" in payload["html"]
    assert marker not in raw


def test_socket_reconnecting_to_b_catches_up_on_what_a_did(pair):
    resident, moderator = pair.browser(RESIDENT), pair.browser(MODERATOR)
    marker, text = unique_text()
    # The page was rendered before the post: its event id is what the browser last saw.
    discussion, comment_id = post_comment(resident, text)
    reason = hide_comment(moderator, comment_id)

    path = f"{discussion['socket']}&last_event_id={discussion['last_event']}"
    with pair.socket(path) as socket:
        frames = receive_events(socket, 2, about=comment_id)

    posted, changed = (event for _raw, event in frames)
    assert posted["type"] == "discussion.comment_posted"
    assert changed["type"] == "discussion.comment_changed"
    assert discussion["last_event"] < posted["id"] < changed["id"]
    assert changed["payload"]["status"] == "hidden"
    assert reason in changed["payload"]["tombstone"]
    # The history keeps the newest state only: the removed text is not replayed.
    assert posted["payload"] == changed["payload"]
    assert all(marker not in raw for raw, _event in frames)
