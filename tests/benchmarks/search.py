"""Site search requests per second on one uvicorn, with a plain view measured in the same run.

    .venv/bin/python -m tests.benchmarks.search
    .venv/bin/python -m tests.benchmarks.search --write docs/benchmarks.md
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mitreden \
      .venv/bin/python -m tests.benchmarks.search

Prepares the demo site as ``tests.benchmarks.run`` does (PostgreSQL when DATABASE_URL points at
it, else SQLite), adds 1,000 published and 500 held comments to the Stadthalle discussion
(the issue's setup) plus a published survey and a draft, and fills Wagtail's search index
(``load_demo`` leaves that to the worker, which the benchmark does not run). Then, one uvicorn
process with DEBUG off, anonymous visitors on keep-alive connections (``tests.benchmarks.run``'s
client and CPU accounting):

1. the login page, a plain Django view: the baseline of the same run;
2. one search repeated ("Stadthalle": pages, the survey and 1,000 comments match);
3. sixteen different searches, one per connection (answers from the page cache after the first);
4. the same sixteen with ``PAGE_CACHE_SECONDS=0`` on a second server: every answer is searched
   and rendered, which is what a query nobody asked before costs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import os
import platform
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from tests.benchmarks import run as bench
from tests.deployment import harness

PLAIN_VIEW = "/konto/login/"
QUERIES = [
    "Stadthalle",
    "Saal",
    "Sanierung",
    "Bus",
    "Quartier",
    "Bahnhof",
    "Beteiligung",
    "Aufzug",
    "Neubau",
    "Café",
    "Musterstadt",
    "Bürgerbeteiligung",
    "Programm",
    "Wohnen",
    "Kultur",
    "Gemeinschaftsraum",
]

SEED = r"""
import random
from consultations.models import Comment, Consultation, Discussion, Question, Survey

random.seed(7)
discussion = Discussion.objects.get(title__startswith="Was soll aus der Stadthalle")
author = Comment.objects.filter(discussion=discussion).exclude(author=None).first().author
words = ("Stadthalle Saal Sanierung Bus Aufzug Neubau Programm Kultur Wohnen Altstadt Nordstadt "
         "Veranstaltungen Gemeinschaftsraum Parkplatz Dach Bühne Konzerte Vereine Kosten").split()
def text():
    return " ".join(random.choice(words) for _ in range(25)) + "."
Comment.objects.bulk_create(
    [Comment(discussion=discussion, author=author, text=text()) for _ in range(1000)]
    + [Comment(discussion=discussion, author=author, text=text(), status="pending",
               needs_review_reason="benchmark") for _ in range(500)]
)
consultation = discussion.consultation
for status in ("published", "draft"):
    survey = Survey.objects.create(
        consultation=consultation, status=status,
        title=f"Umfrage zur Stadthalle ({status})",
        description="Wie oft besuchen Sie Veranstaltungen in der Stadthalle?")
    Question.objects.create(survey=survey, kind="short_text", text="Was fehlt?", sort_order=1)
print(Comment.objects.filter(discussion=discussion).count())
"""


def search_path(query: str) -> str:
    return "/suche/?" + urlencode({"q": query})


async def load_paths(port, paths, *, group, concurrency, warmup, duration) -> bench.Result:
    """``bench.load`` with one path per connection (several different searches at once)."""
    start = time.perf_counter() + warmup
    stop = start + duration
    result = bench.Result(server="", page="", concurrency=concurrency, seconds=duration)
    await asyncio.gather(
        bench.measure_cpu(group, start, stop, result),
        *(
            bench.client(port, paths[n % len(paths)], start, stop, result)
            for n in range(concurrency)
        ),
    )
    return result


def run_paths(port, paths, **kwargs) -> bench.Result:
    try:
        import uvloop

        return uvloop.run(load_paths(port, paths, **kwargs))
    except ImportError:
        return asyncio.run(load_paths(port, paths, **kwargs))


def markdown(results, args, notes) -> str:
    lines = [
        f"### Site search: {notes['configuration']}",
        "",
        f"Measured {notes['date']} at commit `{notes['commit']}` on {notes['machine']}; "
        f"load average before the run: {notes['load_before']}, after: {notes['load_after']}. "
        f"One uvicorn process (`make run`), {args.concurrency} connections, "
        f"{args.warmup:g} s warm-up, {args.duration:g} s measured per row; 1,000 published and "
        "500 held comments in the Stadthalle discussion.",
        "",
        "| what | req/s | p50 ms | p95 ms | p99 ms | server CPU ms/req | req/s per core "
        "| page cache hits | failed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.page} | {r.per_second:,.0f} | {r.percentile(0.50):.1f} "
            f"| {r.percentile(0.95):.1f} | {r.percentile(0.99):.1f} "
            f"| {r.cpu_ms_per_request:.1f} | {r.per_core:,.0f} | {r.hit_ratio:.0%} | {r.failed} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds measured per row")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per row")
    parser.add_argument("--concurrency", type=int, default=16, help="parallel connections")
    parser.add_argument("--write", type=Path, help="update this markdown file's results block")
    args = parser.parse_args(argv)

    key, description = bench.configuration()
    notes = {
        "configuration": description,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": bench.git_commit(),
        "machine": f"{os.cpu_count()} cores ({bench.cpu_model()}), "
        f"Python {platform.python_version()}",
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    print(f"Preparing the demo site ({description}) ...", flush=True)
    site = harness.DemoSite.prepare()
    results: list[bench.Result] = []
    try:
        env = site.environment(site.template, redis=harness.redis_url())
        print("  comments:", harness.shell(SEED, env=env).strip(), flush=True)
        harness.manage("update_index", "--skip-checks", env=env)
        searches = [search_path(query) for query in QUERIES]
        setups = [
            (
                "cached",
                env,
                [
                    ("plain view (login page)", [PLAIN_VIEW]),
                    ("search, one query repeated", [search_path("Stadthalle")]),
                    ("search, 16 different queries", searches),
                ],
            ),
            (
                "uncached",
                {**env, "PAGE_CACHE_SECONDS": "0"},
                [("search, 16 queries, page cache off", searches)],
            ),
        ]
        for name, server_env, rows in setups:
            server = harness.start_server(
                f"uvicorn-{name}", harness.uvicorn_argv, env=server_env, log_dir=site.workdir
            )
            try:
                for label, paths in rows:
                    for path in paths:
                        status = harness.http_get(server.base_url + path)[0]
                        if status != 200:
                            raise RuntimeError(f"GET {path} answered {status}")
                    result = run_paths(
                        server.port,
                        paths,
                        group=server.process.pid,
                        concurrency=args.concurrency,
                        warmup=args.warmup,
                        duration=args.duration,
                    )
                    result.server, result.page = "uvicorn", label
                    results.append(result)
                    print(
                        f"  {label:<38} {result.per_second:8.0f} req/s   "
                        f"p50 {result.percentile(0.5):7.1f} ms   "
                        f"p99 {result.percentile(0.99):7.1f} ms   "
                        f"CPU {result.cpu_ms_per_request:5.1f} ms/req   "
                        f"cache hits {result.hit_ratio:4.0%}   failed {result.failed}",
                        flush=True,
                    )
            finally:
                server.stop()
    finally:
        site.close()
    notes["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = markdown(results, args, notes)
    print()
    print(text)
    if args.write:
        bench.write_section(args.write, f"search-{key}", text)
        print(f"wrote {args.write}")
    medians = [r.percentile(0.5) for r in results]
    return 1 if any(r.failed for r in results) or not all(map(math.isfinite, medians)) else 0


if __name__ == "__main__":
    sys.exit(main())
