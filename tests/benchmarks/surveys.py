"""Survey benchmarks (issue "Surveys and quick polls"):

1. Results of a survey with 10 questions and 10,000 responses: computed in a fixed number of
   queries (counted here and asserted in ``tests/consultations/surveys/test_results.py``) and
   the public results page rendered, against a plain view rendered in the same run.
2. 200 people submitting at the same moment (PostgreSQL): 200 responses, none lost or doubled,
   and the write rate.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mitreden \
        .venv/bin/python -m tests.benchmarks.surveys
    .venv/bin/python -m tests.benchmarks.surveys --write docs/benchmarks.md   # SQLite: part 1 only

A throw-away test database is created (``test_<name>``) and dropped afterwards. The 10,000
responses of part 1 are written with ``bulk_create`` (through the action they would take
minutes to seed); part 2 goes through ``submit_response``, as a browser's POST does.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "participation.settings")

import django

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

QUESTIONS = [
    {"kind": "single_choice", "text": "Wie oft?", "choices": ["Nie", "Selten", "Oft", "Täglich"]},
    {"kind": "multiple_choice", "text": "Wofür?", "choices": ["A", "B", "C", "D", "E"]},
    {"kind": "yes_no", "text": "Sanieren?"},
    {"kind": "scale", "text": "Zufrieden?"},
    {"kind": "scale", "text": "Wichtig?", "min_value": 0, "max_value": 10},
    {"kind": "ranking", "text": "Reihenfolge?", "choices": ["W", "X", "Y", "Z"]},
    {"kind": "number", "text": "Wie viel?", "min_value": 0, "max_value": 100},
    {"kind": "date", "text": "Wann?"},
    {"kind": "short_text", "text": "Name?"},
    {"kind": "long_text", "text": "Sonst?"},
]


def build_survey(editor, consultation):
    from consultations.actions.surveys import create_survey

    return create_survey(
        editor=editor,
        consultation=consultation,
        title="Benchmark",
        status="published",
        results_visibility="during",
        questions=[
            {**q, "choices": [{"label": label} for label in q.get("choices", [])]}
            for q in QUESTIONS
        ],
    )


def seed_responses(survey, count: int) -> None:
    from datetime import date, timedelta

    from consultations.models import Answer, Response

    randomness = random.Random(7)
    questions = list(survey.questions.order_by("sort_order").prefetch_related("choices"))
    choices = {q.pk: list(q.choices.all()) for q in questions}
    batch = 1000
    for start in range(0, count, batch):
        responses = Response.objects.bulk_create(
            [Response(survey=survey, source="paper") for _ in range(min(batch, count - start))]
        )
        answers = []
        for response in responses:
            for q in questions:
                options = choices[q.pk]
                if q.kind == "single_choice":
                    answers.append(
                        Answer(response=response, question=q, choice=randomness.choice(options))
                    )
                elif q.kind == "multiple_choice":
                    for option in randomness.sample(options, k=randomness.randint(1, 3)):
                        answers.append(Answer(response=response, question=q, choice=option))
                elif q.kind == "yes_no":
                    answers.append(
                        Answer(
                            response=response,
                            question=q,
                            text=randomness.choice(["yes", "no", "abstain"]),
                        )
                    )
                elif q.kind == "scale":
                    high = 10 if q.max_value == 10 else 5
                    answers.append(
                        Answer(
                            response=response,
                            question=q,
                            number=randomness.randint(0 if high == 10 else 1, high),
                        )
                    )
                elif q.kind == "ranking":
                    for place, option in enumerate(randomness.sample(options, k=len(options)), 1):
                        answers.append(
                            Answer(response=response, question=q, choice=option, rank=place)
                        )
                elif q.kind == "number":
                    answers.append(
                        Answer(response=response, question=q, number=randomness.randint(0, 100))
                    )
                elif q.kind == "date":
                    answers.append(
                        Answer(
                            response=response,
                            question=q,
                            date=date(2026, 1, 1) + timedelta(days=randomness.randint(0, 300)),
                        )
                    )
                else:
                    answers.append(
                        Answer(response=response, question=q, text=f"Antwort {randomness.random()}")
                    )
        Answer.objects.bulk_create(answers, batch_size=5000)


def timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def results_benchmark(runs: int) -> dict:
    from consultations import roles
    from consultations.results import survey_results
    from tests.factories import make_consultation, make_user

    editor = make_user(groups=(roles.EDITORS,))
    survey = build_survey(editor, make_consultation())
    seed_start = time.perf_counter()
    seed_responses(survey, 10_000)
    seeded = time.perf_counter() - seed_start
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        survey_results(survey, include_private=True)
    client = Client()
    url = f"/umfragen/{survey.pk}/ergebnisse/"
    assert client.get(url).status_code == 200
    client.get("/konto/login/")
    compute = timed(lambda: survey_results(survey), runs)
    page = []
    plain = []
    for _ in range(runs):  # alternately, so both meet the same machine load
        page += timed(lambda: client.get(url), 1)
        plain += timed(lambda: client.get("/konto/login/"), 1)
    return {
        "seed_seconds": seeded,
        "queries": len(queries),
        "compute": compute,
        "page": page,
        "plain": plain,
        "page_bytes": len(client.get(url).content),
    }


def _submit_slice(survey_pk, user_pks, data, threads, start_at):
    """In a worker process: submit for ``user_pks`` with ``threads`` threads from ``start_at``."""
    from consultations.actions.surveys import submit_response
    from consultations.models import Survey, User

    lock = threading.Lock()
    todo = list(user_pks)
    errors: list[str] = []

    def work():
        done = 0
        try:
            while True:
                with lock:
                    if not todo:
                        return done
                    user_pk = todo.pop()
                # Loaded as the answering view loads it (phases prefetched for the rules).
                survey = (
                    Survey.objects.select_related("consultation")
                    .prefetch_related("consultation__phases", "open_in_phases")
                    .get(pk=survey_pk)
                )
                submit_response(
                    survey=survey,
                    user=User.objects.get(pk=user_pk),
                    data=data,
                )
                done += 1
        except Exception as error:  # reported by the parent
            errors.append(repr(error))
            return done
        finally:
            connections.close_all()

    # A pool inherited through fork has no threads behind it: this process makes its own.
    if connection.vendor == "postgresql":
        type(connections["default"])._connection_pools.clear()
    time.sleep(max(0.0, start_at - time.time()))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        done = sum(f.result() for f in [pool.submit(work) for _ in range(threads)])
    return done, errors, time.time()


def concurrent_benchmark(people: int, workers: int, processes: int, *, twice: bool) -> dict:
    from allauth.account.models import EmailAddress
    from django.utils.datastructures import MultiValueDict

    from consultations import pseudonyms, roles
    from consultations.models import Response, User
    from tests.factories import make_consultation, make_user

    editor = make_user(groups=(roles.EDITORS,))
    survey = build_survey(editor, make_consultation())
    users = User.objects.bulk_create(
        [
            User(
                email=f"b{n}-{int(twice)}@example.org",
                pseudonym=f"Bench{n}x{int(twice)}",
                pseudonym_key=pseudonyms.key(f"Bench{n}x{int(twice)}"),
                password="!",
            )
            for n in range(people)
        ]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
    )
    questions = list(survey.questions.order_by("sort_order").prefetch_related("choices"))
    first = questions[0]
    data = MultiValueDict(
        {first.field_name: [str(first.choices.first().pk)], questions[2].field_name: ["yes"]}
    )
    # With ``twice`` each person twice, next to each other: two workers send the same person's
    # answers at the same moment (a double click); still one response each. The work is split over
    # processes (as production runs several server workers), each with threads.
    queue = [user.pk for user in users for _time in range(2 if twice else 1)]
    slices = [queue[index::processes] for index in range(processes)]
    connections.close_all()
    if connection.vendor == "postgresql":
        connections["default"].close_pool()
    start_at = time.time() + 2.0  # every process starts at the same moment
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        outcomes = pool.starmap(
            _submit_slice,
            [(survey.pk, chunk, data, workers // processes, start_at) for chunk in slices],
        )
    submitted = sum(done for done, _errors, _end in outcomes)
    errors = [error for _done, errs, _end in outcomes for error in errs]
    seconds = max(end for _done, _errors, end in outcomes) - start_at
    count = Response.objects.filter(survey=survey).count()
    distinct = Response.objects.filter(survey=survey).values("user").distinct().count()
    return {
        "people": people,
        "workers": workers,
        "processes": processes,
        "submitted": submitted,
        "responses": count,
        "distinct": distinct,
        "errors": errors,
        "seconds": seconds,
        "rate": submitted / seconds if seconds else 0,
    }


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--workers", type=int, default=40, help="threads over all processes")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--write", help="append the figures to this Markdown file")
    args = parser.parse_args(argv)

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        vendor = connection.vendor
        results = results_benchmark(args.runs)
        lines = [
            f"### Surveys ({time.strftime('%Y-%m-%d')}, {vendor}, "
            f"Python {platform.python_version()})",
            "",
            "Results of a survey with 10 questions (every type) and 10,000 responses, in-process "
            f"(Django test client, {args.runs} runs each, alternating with the login page):",
            "",
            f"- queries to compute all figures: **{results['queries']}** (any number of responses)",
            f"- computing the figures: p50 {statistics.median(results['compute']):.0f} ms, "
            f"p95 {percentile(results['compute'], 95):.0f} ms",
            f"- the public results page: p50 {statistics.median(results['page']):.0f} ms, "
            f"p95 {percentile(results['page'], 95):.0f} ms, {results['page_bytes'] / 1024:.1f} KB "
            f"(plain view, the login page: p50 {statistics.median(results['plain']):.0f} ms)",
        ]
        if vendor == "postgresql":
            for twice in (False, True):
                burst = concurrent_benchmark(args.people, args.workers, args.processes, twice=twice)
                lines += [
                    "",
                    f"{burst['people']} residents submitting at once through `submit_response` "
                    f"({burst['processes']} processes with {burst['workers']} threads in all, "
                    "released together; PostgreSQL): "
                    + (
                        f"each twice at the same moment: {burst['submitted']} submissions → "
                        if twice
                        else f"{burst['submitted']} submissions → "
                    )
                    + f"**{burst['responses']} responses** ({burst['distinct']} distinct accounts, "
                    f"{len(burst['errors'])} errors) in {burst['seconds']:.2f} s, "
                    f"**{burst['responses'] / burst['seconds']:.0f} responses/s** "
                    f"({burst['rate']:.0f} submissions/s).",
                ]
                if burst["errors"]:
                    lines.append("Errors: " + "; ".join(burst["errors"][:5]))
        else:
            lines += ["", "(The simultaneous submissions run on PostgreSQL only.)"]
        text = "\n".join(lines) + "\n"
        print(text)
        if args.write:
            with open(args.write, "a", encoding="utf-8") as out:
                out.write("\n" + text)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
