"""The live results socket: the current counts on connecting, the new counts after each response
(pushed after commit, coalesced), counts only (no free text, no people), and only for whoever
may see the results."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.utils.datastructures import MultiValueDict

from consultations import consumers, roles
from consultations.actions.surveys import AnswersInvalid, enter_paper_response, submit_response
from consultations.models import Survey
from consultations.routing import websocket_urlpatterns
from tests.factories import make_consultation, make_user

from .conftest import build_survey

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

SECRET = "Geheimtext-7d1f"
OTHER_SECRET = "Sonstiges-a93b"

QUESTIONS = [
    {
        "kind": "single_choice",
        "text": "Soll die Halle bleiben?",
        "allow_other": True,
        "choices": [{"label": "Bleiben"}, {"label": "Abreißen"}],
    },
    {"kind": "scale", "text": "Wie zufrieden sind Sie?", "min_value": 1, "max_value": 5},
    {"kind": "short_text", "text": "Warum?"},
    {"kind": "long_text", "text": "Noch etwas?"},
]


def communicator(survey_id, user=None):
    comm = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/surveys/{survey_id}/results/"
    )
    comm.scope["user"] = user or AnonymousUser()
    return comm


async def receive(comm, timeout=3):
    return json.loads(await comm.receive_from(timeout=timeout))


def setup(results=Survey.ResultsVisibility.DURING, active="participation"):
    editor = make_user(groups=(roles.EDITORS,))
    survey = build_survey(
        editor,
        consultation=make_consultation(active=active),
        questions=QUESTIONS,
        results_visibility=results,
    )
    return editor, survey


def questions_of(survey):
    return list(survey.questions.order_by("sort_order").prefetch_related("choices"))


def answers(survey, *, choice_index=0, other="", scale="4", text=SECRET) -> MultiValueDict:
    single, scale_question, short, long = questions_of(survey)
    picked = "other" if other else str(list(single.choices.all())[choice_index].pk)
    return MultiValueDict(
        {
            single.field_name: [picked],
            f"{single.field_name}_other": [other],
            scale_question.field_name: [scale],
            short.field_name: [text],
            long.field_name: [text],
        }
    )


@sync_to_async
def answer(survey, user, **values):
    return submit_response(survey=survey, user=user, data=answers(survey, **values))


@sync_to_async
def choice_keys(survey) -> list[str]:
    single = questions_of(survey)[0]
    return [str(choice.pk) for choice in single.choices.all()]


def assert_counts_only(payload):
    """The payload's shape: ids, counts, shares and figures, nothing anyone wrote, no people."""
    assert set(payload) == {"survey", "responses", "questions"}
    for question in payload["questions"]:
        assert set(question) == {"id", "answered", "mean", "median", "rows"}
        for row in question["rows"]:
            assert set(row) == {"key", "count", "share"}
            assert isinstance(row["count"], int) and isinstance(row["share"], int)
    text = json.dumps(payload)
    for forbidden in (SECRET, OTHER_SECRET, "user", "token", "email", "pseudonym", "@"):
        assert forbidden not in text


async def test_connecting_sends_the_current_counts_first():
    _editor, survey = await sync_to_async(setup)()
    person = await sync_to_async(make_user)()
    await answer(survey, person)

    comm = communicator(survey.pk)
    connected, _ = await comm.connect()
    assert connected
    first = await receive(comm)
    assert first["type"] == "survey.results_changed"
    assert first["id"] is None
    payload = first["payload"]
    assert payload["survey"] == survey.pk
    assert payload["responses"] == 1
    assert_counts_only(payload)
    single, scale_question = (await sync_to_async(questions_of)(survey))[:2]
    by_id = {question["id"]: question for question in payload["questions"]}
    # Free-text questions are not in the public counts at all.
    assert set(by_id) == {single.pk, scale_question.pk}
    assert by_id[scale_question.pk]["mean"] == "4.00"
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


async def test_a_response_pushes_the_new_counts_after_commit():
    _editor, survey = await sync_to_async(setup)()
    bleiben, abreissen = await choice_keys(survey)
    comm = communicator(survey.pk)
    assert (await comm.connect())[0]
    before = (await receive(comm))["payload"]
    assert before["responses"] == 0

    first, second = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    await answer(survey, first)
    event = await receive(comm)
    assert event["type"] == "survey.results_changed"
    assert event["payload"]["responses"] == 1
    rows = {row["key"]: row for row in event["payload"]["questions"][0]["rows"]}
    assert rows[bleiben] == {"key": bleiben, "count": 1, "share": 100}
    assert rows[abreissen]["count"] == 0
    assert_counts_only(event["payload"])

    # "Other" with a text of one's own: counted as "other", the text stays out.
    await answer(survey, second, other=OTHER_SECRET, scale="2")
    event = await receive(comm)
    payload = event["payload"]
    assert payload["responses"] == 2
    rows = {row["key"]: row for row in payload["questions"][0]["rows"]}
    assert rows["other"]["count"] == 1 and rows[bleiben]["count"] == 1
    assert rows[bleiben]["share"] == 50
    assert payload["questions"][1]["mean"] == "3.00"
    assert_counts_only(payload)

    # Changing one's answers moves the counts, it does not add a response.
    await answer(survey, first, choice_index=1)
    payload = (await receive(comm))["payload"]
    rows = {row["key"]: row for row in payload["questions"][0]["rows"]}
    assert payload["responses"] == 2
    assert (rows[bleiben]["count"], rows[abreissen]["count"]) == (0, 1)
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


async def test_a_paper_response_is_pushed_too():
    editor, survey = await sync_to_async(setup)()
    comm = communicator(survey.pk)
    assert (await comm.connect())[0]
    await receive(comm)
    data = await sync_to_async(answers)(survey)
    await sync_to_async(enter_paper_response)(staff=editor, survey=survey, data=data)
    payload = (await receive(comm))["payload"]
    assert payload["responses"] == 1
    assert_counts_only(payload)
    await comm.disconnect()


async def test_nothing_is_pushed_when_answers_are_refused():
    _editor, survey = await sync_to_async(setup)()
    comm = communicator(survey.pk)
    assert (await comm.connect())[0]
    await receive(comm)
    person = await sync_to_async(make_user)()
    with pytest.raises(AnswersInvalid):
        await answer(survey, person, scale="99")
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_pushes_are_coalesced(settings):
    settings.SURVEY_RESULTS_COALESCE_SECONDS = 1.0
    _editor, survey = await sync_to_async(setup)()
    people = [await sync_to_async(make_user)() for _ in range(3)]
    comm = communicator(survey.pk)
    assert (await comm.connect())[0]
    await receive(comm)
    for person in people:
        await answer(survey, person)
    event = await receive(comm)
    # One push, built when it is sent: every response committed before it is in it.
    assert event["payload"]["responses"] == 3
    assert await comm.receive_nothing(timeout=1.5)
    await comm.disconnect()


@pytest.mark.parametrize(
    ("results", "active", "allowed"),
    [
        # "after" while the survey runs: only its staff.
        (Survey.ResultsVisibility.AFTER, "participation", {"editor", "admin"}),
        # "after" once it has closed: everyone.
        (
            Survey.ResultsVisibility.AFTER,
            "evaluation",
            {"anonymous", "resident", "moderator", "editor", "admin"},
        ),
        # "never": its staff, at any time.
        (Survey.ResultsVisibility.NEVER, "results", {"editor", "admin"}),
        (
            Survey.ResultsVisibility.DURING,
            "participation",
            {"anonymous", "resident", "moderator", "editor", "admin"},
        ),
    ],
)
async def test_who_may_listen(results, active, allowed):
    _editor, survey = await sync_to_async(setup)(results=results, active=active)
    people = {
        "anonymous": None,
        "resident": await sync_to_async(make_user)(),
        "moderator": await sync_to_async(make_user)(groups=(roles.SITE_MODERATORS,)),
        "editor": await sync_to_async(make_user)(groups=(roles.EDITORS,)),
        "admin": await sync_to_async(make_user)(superuser=True),
    }
    for name, user in people.items():
        comm = communicator(survey.pk, user)
        connected, code = await comm.connect()
        if name in allowed:
            assert connected, name
            assert (await receive(comm))["type"] == "survey.results_changed"
        else:
            assert not connected, name
            assert code == consumers.CLOSE_FORBIDDEN, name
        await comm.disconnect()


async def test_a_refused_listener_is_sent_nothing_when_responses_arrive():
    _editor, survey = await sync_to_async(setup)(results=Survey.ResultsVisibility.NEVER)
    comm = communicator(survey.pk, await sync_to_async(make_user)())
    connected, code = await comm.connect()
    assert not connected and code == consumers.CLOSE_FORBIDDEN
    person = await sync_to_async(make_user)()
    await answer(survey, person)
    await asyncio.sleep(0.1)
    assert await comm.receive_nothing(timeout=0.2)


async def test_full_stack_socket_is_read_only_and_checks_the_origin():
    from participation.asgi import application

    _editor, survey = await sync_to_async(setup)()
    path = f"/ws/surveys/{survey.pk}/results/"
    foreign = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await foreign.connect()
    assert not connected

    own = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://127.0.0.1")])
    connected, _ = await own.connect()
    assert connected
    assert (await receive(own))["type"] == "survey.results_changed"
    await own.send_to(text_data=json.dumps({"type": "answer", "choice": 1}))
    assert await receive(own) == {"type": "error", "message": "this socket is read-only"}
    await own.disconnect()


def make_results_private(editor, survey):
    from consultations.actions.surveys import change_survey
    from tests.consultations.surveys.conftest import question_list

    return change_survey(
        editor=editor,
        survey=survey,
        title=survey.title,
        questions=question_list(survey),
        status=survey.status,
        results_visibility=Survey.ResultsVisibility.NEVER,
    )


async def test_watchers_are_told_when_the_results_are_made_private():
    """Permission is checked when a socket connects; when staff withdraw public results, the
    open results pages are told to reload (and then show what their reader may see)."""
    editor, survey = await sync_to_async(setup)()
    comm = communicator(survey.pk)
    assert (await comm.connect())[0]
    await receive(comm)
    await sync_to_async(make_results_private)(editor, survey)
    withdrawn = await receive(comm)
    assert withdrawn["type"] == "survey.results_withdrawn"
    assert withdrawn["payload"] == {"survey": survey.pk}
    await comm.disconnect()
    # A new listener is refused now.
    again = communicator(survey.pk)
    connected, code = await again.connect()
    assert not connected and code == 4403
