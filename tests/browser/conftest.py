"""Browser tests: Debian's Chromium driven by Playwright against a real ASGI server.

One uvicorn process per run of this package serves the demo site from its own database (a
clone of the prepared demo database, see tests/deployment/harness.py) with DEBUG off, static
files from collectstatic, and e-mail written to files. Tests talk to it only over HTTP, like a
person would; they never use the test process's ORM (its database is not the server's).

Every browser context aborts and records requests to anything but the local server, and each
test checks that none was attempted: that is how we prove "no CDN, no tracking".

Chromium missing: the tests skip, unless REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.deployment import harness

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
DEFAULT_TIMEOUT_MS = 15_000
# A German resident's browser, unless a test asks for something else.
CONTEXT_OPTIONS = {
    "locale": "de-DE",
    "timezone_id": "Europe/Berlin",
    "service_workers": "block",
    "viewport": {"width": 1280, "height": 900},
}
# Settings of the test server. The same few demo people post many comments within a minute
# across tests; the per-person rate limit (tested in tests/consultations) would refuse them.
SERVER_SETTINGS = {"COMMENT_RATE_PER_MINUTE": "1000", "COMMENT_RATE_PER_HOUR": "1000"}


def _require_browser() -> None:
    problem = None
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        problem = f"{CHROMIUM} is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the Python package playwright is not installed"
    if problem is None:
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {problem}", pytrace=False)
    pytest.skip(f"browser tests need Chromium: {problem}")


@dataclass
class LiveSite:
    """The running server, seen from outside: its address and the e-mails it sent."""

    server: harness.ServerProcess
    mail_dir: Path

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def emails(self) -> list[EmailMessage]:
        """Every message the file e-mail backend wrote, oldest first."""
        messages = []
        separator = b"\n" + b"-" * 79 + b"\n"
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime):
            for chunk in path.read_bytes().split(separator):
                if chunk.strip():
                    messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
        return messages

    def wait_for_email(self, to: str, timeout: float = 10) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.emails() if to.lower() in str(m["To"]).lower()]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no e-mail to {to} arrived within {timeout} s")
            time.sleep(0.1)


@pytest.fixture(scope="package")
def live_site(pytestconfig, tmp_path_factory):
    """uvicorn serving the demo site (DEBUG off) on a free loopback port, for this package."""
    _require_browser()
    site = harness.shared_demo_site(pytestconfig)
    database = site.clone("browser")
    mail_dir = tmp_path_factory.mktemp("browser-mail")
    env = site.environment(
        database, mail_dir=mail_dir, redis=harness.redis_url(), extra=SERVER_SETTINGS
    )
    server = workers = None
    try:
        log_dir = tmp_path_factory.mktemp("browser-server")
        # E-mail leaves from the workers, as in production (README, "Background tasks").
        workers = harness.ServerProcess(
            "workers", harness.workers_argv(), env=env, port=0, log_dir=log_dir
        ).launch()
        server = harness.start_server("uvicorn", harness.uvicorn_argv, env=env, log_dir=log_dir)
        yield LiveSite(server=server, mail_dir=mail_dir)
    finally:
        harness.stop_all([process for process in (server, workers) if process is not None])
        database.drop()


@pytest.fixture(scope="package")
def browser():
    """Chromium, started once for the package and stopped before other packages' tests run
    (sync Playwright keeps an event loop that would make Django refuse ORM calls)."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()


@dataclass
class NetworkGuard:
    """Aborts and records every request that would leave the machine."""

    blocked: list[str] = field(default_factory=list)

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about"}:
            return True
        return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname in LOCAL_HOSTS

    def handle_route(self, route) -> None:
        url = route.request.url
        if self.is_local(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def watch_page(self, page) -> None:
        # Routing does not see WebSockets; the content security policy should stop foreign ones,
        # and this makes sure one was not even tried.
        page.on(
            "websocket",
            lambda socket: None if self.is_local(socket.url) else self.blocked.append(socket.url),
        )

    def assert_no_external_requests(self) -> None:
        assert not self.blocked, "the page tried to reach other hosts:\n" + "\n".join(
            sorted(set(self.blocked))
        )


@pytest.fixture
def network_guard() -> NetworkGuard:
    return NetworkGuard()


@pytest.fixture
def new_context(browser, live_site, network_guard):
    """Make browser profiles that can only reach our server, one per person in a test (each
    has its own cookies). Keyword arguments go to Playwright's ``new_context``, e.g.
    ``java_script_enabled=False``. All are closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_site.base_url, **{**CONTEXT_OPTIONS, **options})
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.route("**/*", network_guard.handle_route)
        context.on("page", network_guard.watch_page)
        contexts.append(context)
        return context

    make.contexts = contexts  # for the failure report's screenshots
    yield make
    for context in contexts:
        context.close()
    if network_guard.blocked:
        pytest.fail(
            "external requests were attempted:\n" + "\n".join(sorted(set(network_guard.blocked))),
            pytrace=False,
        )


@pytest.fixture
def context(new_context):
    """A fresh browser profile (German, like most residents) that can only reach our server."""
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()


def _open_pages(item) -> list:
    pages = []
    if item.funcargs.get("page") is not None:
        pages.append(item.funcargs["page"])
    for context in getattr(item.funcargs.get("new_context"), "contexts", []):
        try:
            pages += [p for p in context.pages if p not in pages]
        except Exception:  # the context may be gone
            continue
    return pages


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, add a screenshot of every open page and the end of the server's log to the
    report."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    folder = Path(tempfile.gettempdir()) / "mitreden-browser-failures"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)[-120:]
    for number, page in enumerate(_open_pages(item)):
        try:
            folder.mkdir(exist_ok=True)
            screenshot = folder / (f"{name}.png" if number == 0 else f"{name}-{number}.png")
            page.screenshot(path=str(screenshot), full_page=True)
            report.sections.append(("browser", f"url: {page.url}\nscreenshot: {screenshot}"))
        except Exception as error:  # the page may be gone; the failure itself matters more
            report.sections.append(("browser", f"no screenshot: {error}"))
    live = item.funcargs.get("live_site")
    if live is not None:
        report.sections.append(("server log (end)", live.server.log_tail(3000)))
