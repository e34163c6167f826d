"""Pages with a big discussion (1,000 comments) against a plain view in the same run.

    .venv/bin/python -m tests.benchmarks.discussion_pages
    .venv/bin/python -m tests.benchmarks.discussion_pages --write docs/benchmarks.md

Prepares the demo site like ``tests.benchmarks.run`` (DEBUG off, collected static files), adds
1,000 published comments to the Stadthalle discussion (500 threads with a reply each, 25 words
apiece, by the demo residents, spread over the days, some agreed with), signs a demo resident in
and serves the site with one server. One browser-like client asks, in turn, for the
consultation page and the discussion page signed in (the issue's target), the discussion page
as an anonymous reader (the page cache), and the plain view (the login page, the issue's
baseline), so all meet the same machine load. Reported per page: wall time percentiles, server
CPU per request (from /proc, the steadier figure on a shared machine) and the page size. The
query counts and the page size are hard limits in tests/consultations/discussions/
test_paging.py and tests/cms/test_discussion_block.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys

from tests.benchmarks.moderation_queue import get, percentile
from tests.benchmarks.run import cpu_model, git_commit, group_cpu_seconds, write_section
from tests.deployment import harness

COMMENTS = 1000

SETUP = """
import json
from datetime import timedelta
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django.utils import timezone
from consultations.links import consultation_url
from consultations.models import Comment, Discussion, User

discussion = Discussion.objects.get(consultation__slug="zukunft-der-stadthalle")
authors = list(User.objects.filter(email__in=["anna@mitreden.test", "ben@mitreden.test"]))
words = ("Stadthalle Kultur Sanierung Parkplatz Bürgerhaus Konzert Bücherei Garten Vereine "
         "Jugend Dach Kosten Musik Theater Markt").split()
now = timezone.now()

def text(n):
    return " ".join(words[(n * 7 + k) % len(words)] for k in range(25)) + "."

threads = Comment.objects.bulk_create(
    Comment(discussion=discussion, author=authors[n % 2], text=text(n), agree_count=n % 9,
            created=now - timedelta(minutes=3 * ({comments} - n)))
    for n in range({comments} // 2)
)
Comment.objects.bulk_create(
    Comment(discussion=discussion, author=authors[(n + 1) % 2], text=text(n + 5), thread=t,
            reply_to=t, created=t.created + timedelta(minutes=1))
    for n, t in enumerate(threads)
)
reader = User.objects.get(email="anna@mitreden.test")
session = SessionStore()
session[SESSION_KEY] = str(reader.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = reader.get_session_auth_hash()
session.create()
print(json.dumps({{
    "session": session.session_key,
    "comments": Comment.objects.filter(discussion=discussion).public().count(),
    "consultation": consultation_url(discussion.consultation),
    "discussion": reverse("discussion_detail", args=[discussion.pk]),
    "login": reverse("account_login"),
}}))
"""


def measure(server, pages: dict[str, tuple[str, str]], rounds: int) -> dict[str, dict]:
    """Ask for each page in turn, ``rounds`` times; the server's CPU time is read around
    each request (one client at a time, so it is that request's)."""
    samples = {name: {"wall": [], "cpu": [], "size": 0} for name in pages}
    for path, cookie in pages.values():
        for _ in range(5):  # warm-up: imports, template caches, translations, fragment cache
            status = get(server.port, path, cookie)[0]
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
    for _ in range(rounds):
        for name, (path, cookie) in pages.items():
            before = group_cpu_seconds(server.process.pid)
            status, size, wall = get(server.port, path, cookie)
            cpu = group_cpu_seconds(server.process.pid) - before
            assert status == 200, (path, status)
            samples[name]["wall"].append(wall * 1000)
            samples[name]["cpu"].append(cpu * 1000)
            samples[name]["size"] = size
    return samples


def markdown(rows: list[tuple[str, str, dict]], notes: dict) -> str:
    lines = [
        "### Pages with 1,000 comments in the discussion (SQLite)",
        "",
        f"Measured {notes['date']} at commit `{notes['commit']}` on {notes['machine']}; "
        f"load average before: {notes['load_before']}, after: {notes['load_after']}. "
        f"One client, {notes['rounds']} requests per page, the pages in turn; "
        f"{notes['comments']} published comments (500 threads with a reply each).",
        "",
        "| server | page | p50 ms | p95 ms | server CPU ms/req (mean) | × plain view (p50) | KB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    plain = {
        server: percentile(s["wall"], 0.5) for server, page, s in rows if page.startswith("plain")
    }
    for server, page, s in rows:
        p50 = percentile(s["wall"], 0.5)
        lines.append(
            f"| {server} | {page} | {p50:.1f} | {percentile(s['wall'], 0.95):.1f} "
            f"| {statistics.mean(s['cpu']):.1f} | {p50 / plain[server]:.1f} "
            f"| {s['size'] / 1024:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=100, help="requests per page")
    parser.add_argument("--write", help="update this markdown file's results block")
    args = parser.parse_args(argv)
    notes = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "machine": f"{os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}",
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "rounds": args.rounds,
    }
    print("Preparing the demo site ...", flush=True)
    site = harness.DemoSite.prepare()
    rows = []
    try:
        env = site.environment(site.template)
        facts = json.loads(
            harness.shell(SETUP.format(comments=COMMENTS), env=env).strip().splitlines()[-1]
        )
        notes["comments"] = f"{facts['comments']:,}"
        print(f"  {facts['comments']} published comments", flush=True)
        pages = {
            "consultation page, signed in": (facts["consultation"], facts["session"]),
            "discussion page, signed in": (facts["discussion"], facts["session"]),
            "discussion page, anonymous (cached)": (facts["discussion"], ""),
            "plain view (login page)": (facts["login"], ""),
        }
        for name, make_argv in [
            ("uvicorn, 1 ASGI process", harness.uvicorn_argv),
            ("gunicorn, 2 WSGI workers", lambda port: harness.gunicorn_argv(port, workers=2)),
        ]:
            server = harness.start_server(name, make_argv, env=env, log_dir=site.workdir)
            try:
                samples = measure(server, pages, args.rounds)
            finally:
                server.stop()
            for page, s in samples.items():
                rows.append((name, page, s))
                print(
                    f"  {name:<26} {page:<36} p50 {percentile(s['wall'], 0.5):6.1f} ms  "
                    f"CPU {statistics.mean(s['cpu']):6.1f} ms  {s['size'] / 1024:6.1f} KB",
                    flush=True,
                )
    finally:
        site.close()
    notes["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = markdown(rows, notes)
    print()
    print(text)
    if args.write:
        from pathlib import Path

        write_section(Path(args.write), "discussion-pages-sqlite", text)
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
