"""One response per person and survey, also when the same person submits twice at once.

Two threads, two connections, real transactions (PostgreSQL: SQLite lets one writer in at a
time, so it cannot show the race). The race is forced, not hoped for: the first submission is
held after inserting its response row, inside its transaction; the second starts then, finds no
committed response, tries to insert its own and waits for the first's row lock (PostgreSQL says
so); then the first commits. The database's partial unique constraint, and the action's
recovery from it, must leave exactly one response with one submission's answers, whole.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections
from django.utils.datastructures import MultiValueDict

from consultations import roles
from consultations.actions import surveys as survey_actions
from consultations.models import Answer, Response, Survey, User
from tests.factories import make_consultation, make_user

from .conftest import build_survey

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 10

QUESTIONS = [
    {
        "kind": "single_choice",
        "text": "Soll die Halle bleiben?",
        "required": True,
        "choices": [{"label": "Bleiben"}, {"label": "Abreißen"}],
    },
    {
        "kind": "multiple_choice",
        "text": "Wofür?",
        "choices": [{"label": "Konzerte"}, {"label": "Sport"}, {"label": "Märkte"}],
    },
    {"kind": "short_text", "text": "Warum?"},
]


@pytest.fixture
def survey():
    editor = make_user(groups=(roles.EDITORS,))
    return build_survey(
        editor,
        consultation=make_consultation(active="participation"),
        questions=QUESTIONS,
        allow_without_account=True,
        results_visibility=Survey.ResultsVisibility.DURING,
    )


def submissions(survey) -> dict[str, tuple[MultiValueDict, set[tuple]]]:
    """Two different sets of answers, as posted, and the answer rows each must leave."""
    single, multiple, text = survey.questions.order_by("sort_order")
    bleiben, abreissen = single.choices.order_by("sort_order")
    konzerte, sport, maerkte = multiple.choices.order_by("sort_order")
    first = MultiValueDict(
        {
            single.field_name: [str(bleiben.pk)],
            multiple.field_name: [str(konzerte.pk), str(sport.pk)],
            text.field_name: ["Erste Fassung"],
        }
    )
    second = MultiValueDict(
        {
            single.field_name: [str(abreissen.pk)],
            multiple.field_name: [str(maerkte.pk)],
            text.field_name: ["Zweite Fassung"],
        }
    )
    return {
        "first": (
            first,
            {
                (single.pk, bleiben.pk, ""),
                (multiple.pk, konzerte.pk, ""),
                (multiple.pk, sport.pk, ""),
                (text.pk, None, "Erste Fassung"),
            },
        ),
        "second": (
            second,
            {
                (single.pk, abreissen.pk, ""),
                (multiple.pk, maerkte.pk, ""),
                (text.pk, None, "Zweite Fassung"),
            },
        ),
    }


class Submitter(threading.Thread):
    """Calls ``submit_response`` in its own thread (its own connection and transaction)."""

    def __init__(self, name: str, *, survey_id: int, user_id: int | None, data, token: str = ""):
        super().__init__(name=name, daemon=True)
        self.survey_id, self.user_id, self.data, self.token = survey_id, user_id, data, token
        self.backend_pid: int | None = None
        self.pid_known = threading.Event()
        self.response: Response | None = None
        self.error: BaseException | None = None

    def run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend_pid = cursor.fetchone()[0]
            self.pid_known.set()
            user = User.objects.get(pk=self.user_id) if self.user_id else AnonymousUser()
            survey = Survey.objects.get(pk=self.survey_id)
            self.response = survey_actions.submit_response(
                survey=survey, user=user, data=self.data, token=self.token, client_ip="192.0.2.7"
            )
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error
        finally:
            self.pid_known.set()
            connection.close()


class HoldFirst:
    """Holds the thread named "first" after it inserted its response (in ``_write_answers``,
    inside the action's transaction) until told to go on."""

    def __init__(self, monkeypatch):
        self.inside = threading.Event()
        self.go = threading.Event()
        original = survey_actions._write_answers

        def write_answers(response, structure, values, **options):
            if threading.current_thread().name == "first" and not self.inside.is_set():
                self.inside.set()
                if not self.go.wait(WAIT_SECONDS):
                    raise TimeoutError("never told to go on")
            return original(response, structure, values, **options)

        monkeypatch.setattr(survey_actions, "_write_answers", write_answers)


def wait_until_done_or_blocked(thread: Submitter) -> str:
    """Until ``thread`` has finished, or PostgreSQL says it waits for a lock."""
    assert thread.pid_known.wait(WAIT_SECONDS)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        thread.join(0.01)
        if not thread.is_alive():
            return "done"
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [thread.backend_pid]
            )
            row = cursor.fetchone()
        if row and row[0] == "Lock":
            return "blocked"
    raise AssertionError("the second submission neither finished nor waited for a lock")


def answer_rows(response) -> set[tuple]:
    return {
        (answer.question_id, answer.choice_id, answer.text)
        for answer in Answer.objects.filter(response=response)
    }


def race(monkeypatch, survey, *, user_id=None, token=""):
    """The forced race: "first" holds its transaction open after inserting its response;
    "second" starts then and must wait for it."""
    data = submissions(survey)
    hold = HoldFirst(monkeypatch)
    first = Submitter(
        "first", survey_id=survey.pk, user_id=user_id, data=data["first"][0], token=token
    )
    second = Submitter(
        "second", survey_id=survey.pk, user_id=user_id, data=data["second"][0], token=token
    )
    first.start()
    assert hold.inside.wait(WAIT_SECONDS), first.error
    second.start()
    state = wait_until_done_or_blocked(second)
    hold.go.set()
    first.join(WAIT_SECONDS)
    second.join(WAIT_SECONDS)
    assert not first.is_alive() and not second.is_alive()
    assert first.error is None, first.error
    assert second.error is None, second.error
    return state, first, second, data


def test_two_simultaneous_submissions_of_one_account_make_one_response(monkeypatch, survey):
    person = make_user()
    state, first, second, data = race(monkeypatch, survey, user_id=person.pk)
    # The second submission really ran into the first's uncommitted row.
    assert state == "blocked"

    response = Response.objects.get(survey=survey)
    assert (response.source, response.user_id, response.token) == ("account", person.pk, "")
    assert first.response.pk == second.response.pk == response.pk
    # One submission's answers, whole: the one that committed last replaced the other's.
    assert answer_rows(response) == data["second"][1]


def test_two_simultaneous_submissions_with_one_browser_token_make_one_response(monkeypatch, survey):
    state, first, second, data = race(monkeypatch, survey, token="browser-token-5e2a")
    assert state == "blocked"

    response = Response.objects.get(survey=survey)
    assert (response.source, response.user_id, response.token) == (
        "token",
        None,
        "browser-token-5e2a",
    )
    assert first.response.pk == second.response.pk == response.pk
    assert answer_rows(response) == data["second"][1]


def test_two_simultaneous_changes_of_an_existing_response_leave_one_whole_set(monkeypatch, survey):
    """The response exists already: the row lock orders the two changes."""
    person = make_user()
    data = submissions(survey)
    survey_actions.submit_response(survey=survey, user=person, data=data["first"][0])
    state, first, second, data = race(monkeypatch, survey, user_id=person.pk)
    assert first.response.pk == second.response.pk
    assert state == "blocked"
    response = Response.objects.get(survey=survey)
    assert answer_rows(response) == data["second"][1]


@pytest.mark.parametrize("who", ["account", "token"])
def test_many_submissions_at_once_make_one_response(survey, who):
    """Unforced: eight threads released together by a barrier."""
    person = make_user()
    data = submissions(survey)
    barrier = threading.Barrier(8)
    threads = []
    for index in range(8):
        payload, _rows = data["first" if index % 2 else "second"]
        thread = Submitter(
            f"racer-{index}",
            survey_id=survey.pk,
            user_id=person.pk if who == "account" else None,
            data=payload,
            token="" if who == "account" else "browser-token-77aa",
        )
        original_run = thread.run

        def run(original_run=original_run):
            barrier.wait(WAIT_SECONDS)
            original_run()

        thread.run = run
        threads.append(thread)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS * 2)
    assert all(not thread.is_alive() for thread in threads)
    assert [thread.error for thread in threads] == [None] * 8
    response = Response.objects.get(survey=survey)
    assert {thread.response.pk for thread in threads} == {response.pk}
    assert answer_rows(response) in (data["first"][1], data["second"][1])
