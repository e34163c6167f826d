"""The moderation queue with 500 items waiting, against a plain view in the same run.

    .venv/bin/python -m tests.benchmarks.moderation_queue
    .venv/bin/python -m tests.benchmarks.moderation_queue --write docs/benchmarks.md

Prepares the demo site like ``tests.benchmarks.run`` (DEBUG off, collected static files),
then holds 500 comments for review through the actions (each contains a word from the demo's
word list, written by the demo residents, spread over the days), signs the demo moderator in
and serves the site with one server. One browser-like client, signed in with its session
cookie, asks for the first queue page, then the plain view (the login page, as the issue's
baseline), alternately, so both meet the same machine load. Reported per page: wall time
percentiles, server CPU per request (from /proc, the steadier figure on a shared machine)
and the page size. The query count and the page size are also hard limits in
``tests/consultations/discussions/test_moderation_queue.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import statistics
import sys
import time

from tests.benchmarks.run import cpu_model, git_commit, group_cpu_seconds, write_section
from tests.deployment import harness

PENDING = 500

SETUP = """
import json
from datetime import timedelta
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django.utils import timezone
from consultations.actions.discussions import post_comment
from consultations.models import Comment, Discussion, User
from consultations.selectors import moderation_queue

discussion = Discussion.objects.get(consultation__slug="zukunft-der-stadthalle")
authors = list(User.objects.filter(email__in=["anna@mitreden.test", "ben@mitreden.test"]))
made = []
for n in range({pending}):
    made.append(post_comment(
        author=authors[n % len(authors)], discussion=discussion,
        text=f"Kommentar {{n}}: Wer die Stadthalle abreißen will, ist ein Vollpfosten. " * 4,
    ).pk)
for n, pk in enumerate(made):
    Comment.objects.filter(pk=pk).update(created=timezone.now() - timedelta(hours=n % 200))
moderator = User.objects.get(email="moderation@mitreden.test")
session = SessionStore()
session[SESSION_KEY] = str(moderator.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = moderator.get_session_auth_hash()
session.create()
print(json.dumps({{
    "session": session.session_key,
    "waiting": moderation_queue(moderator).count(),
    "login": reverse("account_login"),
}}))
"""


def get(port: int, path: str, cookie: str = "") -> tuple[int, int, float]:
    headers = {"Accept": "text/html", "Accept-Language": "de"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    began = time.perf_counter()
    connection = http.client.HTTPConnection(harness.LOOPBACK, port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return response.status, len(body), time.perf_counter() - began


def measure(server, pages: dict[str, tuple[str, str]], rounds: int) -> dict[str, dict]:
    """Ask for each page in turn, ``rounds`` times; the server's CPU time is read around
    each request (one client at a time, so it is that request's)."""
    samples = {name: {"wall": [], "cpu": [], "size": 0} for name in pages}
    for path, cookie in pages.values():
        for _ in range(5):  # warm-up: imports, template caches, translations
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


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def markdown(rows: list[tuple[str, str, dict]], notes: dict) -> str:
    lines = [
        "### Moderation queue, 500 items waiting (SQLite)",
        "",
        f"Measured {notes['date']} at commit `{notes['commit']}` on {notes['machine']}; "
        f"load average before: {notes['load_before']}, after: {notes['load_after']}. "
        f"One client, {notes['rounds']} requests per page, alternating with the plain view.",
        "",
        "| server | page | p50 ms | p95 ms | server CPU ms/req (mean) | KB |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for server, page, s in rows:
        lines.append(
            f"| {server} | {page} | {percentile(s['wall'], 0.5):.1f} "
            f"| {percentile(s['wall'], 0.95):.1f} | {statistics.mean(s['cpu']):.1f} "
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
        env.update({"COMMENT_RATE_PER_MINUTE": "100000", "COMMENT_RATE_PER_HOUR": "100000"})
        facts = json.loads(
            harness.shell(SETUP.format(pending=PENDING), env=env).strip().splitlines()[-1]
        )
        print(f"  {facts['waiting']} items waiting", flush=True)
        pages = {
            "moderation queue": ("/moderation/", facts["session"]),
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
                    f"  {name:<26} {page:<24} p50 {percentile(s['wall'], 0.5):6.1f} ms  "
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

        write_section(Path(args.write), "moderation-queue-sqlite", text)
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
