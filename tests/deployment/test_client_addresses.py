"""Client addresses under a real uvicorn: a forged X-Forwarded-For buys no fresh attempts.

uvicorn rewrites the client address from X-Forwarded-For for connections from 127.0.0.1
unless it is started with ``--no-proxy-headers``; the login limits count by that address. Here
an attacker on loopback rotates the header while trying passwords against many accounts.
"""

from __future__ import annotations

import http.client
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

from tests.deployment import harness

LOGIN = "/konto/login/"
TOO_MANY_FROM_HERE = "Zu viele gescheiterte Anmeldeversuche aus Ihrem Netzwerk"
PASSWORD_FIELD = 'name="password"'


class Browser:
    """Just enough of a browser for allauth's sign-in form: cookies and the CSRF token."""

    def __init__(self, server: harness.ServerProcess):
        self.server = server
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        connection = http.client.HTTPConnection(harness.LOOPBACK, self.server.port, timeout=30)
        try:
            headers = dict(headers or {})
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def sign_in(self, email: str, password: str, forwarded_for: str) -> tuple[int, str]:
        status, html = self.request("GET", LOGIN)
        assert status == 200, html[-2000:]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        form = urlencode({"csrfmiddlewaretoken": token, "login": email, "password": password})
        return self.request("POST", LOGIN, form, headers={"X-Forwarded-For": forwarded_for})


def start(demo_site, server_logs, label: str, *, trusted_proxies: int):
    database = demo_site.clone(label)
    env = demo_site.environment(
        database, extra={"TRUSTED_PROXY_COUNT": str(trusted_proxies), "PAGE_CACHE_SECONDS": "0"}
    )
    argv = (
        (lambda port: harness.uvicorn_argv(port, trusted_proxies=harness.LOOPBACK))
        if trusted_proxies
        else harness.uvicorn_argv
    )
    return harness.start_server(label, argv, env=env, log_dir=server_logs), database


@pytest.fixture(scope="module")
def direct(demo_site, server_logs):
    """uvicorn as ``make run`` starts it: no proxy in front, none trusted."""
    server, database = start(demo_site, server_logs, "addresses-direct", trusted_proxies=0)
    try:
        yield server
    finally:
        server.stop()
        database.drop()


@pytest.fixture(scope="module")
def proxied(demo_site, server_logs):
    """uvicorn behind one trusted reverse proxy on loopback."""
    server, database = start(demo_site, server_logs, "addresses-proxied", trusted_proxies=1)
    try:
        yield server
    finally:
        server.stop()
        database.drop()


def try_many_accounts(server, attempts: int) -> list[str]:
    """Wrong passwords against ``attempts`` accounts, a new X-Forwarded-For each time."""
    attacker = Browser(server)
    answers = []
    for n in range(attempts):
        status, html = attacker.sign_in(f"person{n}@example.org", "falsch-123", f"10.1.{n}.7")
        assert status == 200
        # Refused before the password is looked at, or the form again for a wrong password.
        answers.append(
            "refused" if TOO_MANY_FROM_HERE in html else "wrong" if PASSWORD_FIELD in html else html
        )
    return answers


def test_a_rotating_forwarded_for_gives_no_fresh_attempts(direct):
    answers = try_many_accounts(direct, 22)
    assert answers[:20] == ["wrong"] * 20
    assert answers[20:] == ["refused"] * 2


def test_behind_a_trusted_proxy_each_forwarded_address_is_its_own_client(proxied):
    assert try_many_accounts(proxied, 22) == ["wrong"] * 22
