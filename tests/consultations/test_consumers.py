import json

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from consultations import consumers, realtime
from consultations.actions.consultations import publish_results
from consultations.models import Consultation, ConsultationMembership, LiveEvent
from consultations.routing import websocket_urlpatterns
from tests.factories import add_member, make_consultation, make_user

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def communicator(consultation_id, user=None, query=""):
    path = f"/ws/consultations/{consultation_id}/" + (f"?{query}" if query else "")
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    comm.scope["user"] = user or AnonymousUser()
    return comm


async def receive(comm):
    return json.loads(await comm.receive_from(timeout=3))


async def test_anonymous_visitor_receives_results_published_on_a_public_consultation():
    consultation = await sync_to_async(make_consultation)(active="results")
    editor = await sync_to_async(make_user)(groups=("Editors",))
    comm = communicator(consultation.pk)
    connected, _ = await comm.connect()
    assert connected

    await sync_to_async(publish_results)(
        editor=editor, consultation=consultation, statement="Wir bauen <b>neu</b>."
    )

    event = await receive(comm)
    assert event["type"] == "consultation.results_published"
    assert event["payload"]["statement"] == "Wir bauen neu."
    assert isinstance(event["id"], int) and event["id"] > 0
    await comm.disconnect()


async def test_private_consultation_refuses_outsiders_and_admits_participants():
    consultation = await sync_to_async(make_consultation)(
        visibility=Consultation.Visibility.PRIVATE
    )
    outsider = await sync_to_async(make_user)()
    participant = await sync_to_async(make_user)()
    await sync_to_async(add_member)(
        consultation, participant, ConsultationMembership.Role.PARTICIPANT
    )

    for user in (None, outsider):
        comm = communicator(consultation.pk, user)
        connected, code = await comm.connect()
        assert not connected
        assert code == consumers.CLOSE_FORBIDDEN

    comm = communicator(consultation.pk, participant)
    connected, _ = await comm.connect()
    assert connected
    await comm.disconnect()


async def test_unknown_consultation_is_closed_with_not_found():
    comm = communicator(999999)
    connected, code = await comm.connect()
    assert not connected
    assert code == consumers.CLOSE_NOT_FOUND


async def test_reconnecting_client_gets_what_it_missed_in_order():
    consultation = await sync_to_async(make_consultation)(active="results")
    editor = await sync_to_async(make_user)(groups=("Editors",))
    seen = await sync_to_async(realtime.current_event_id)(
        realtime.consultation_group(consultation.pk)
    )
    for text in ("Erste Fassung", "Zweite Fassung"):
        await sync_to_async(publish_results)(
            editor=editor, consultation=consultation, statement=text
        )

    comm = communicator(consultation.pk, query=f"last_event_id={seen}")
    connected, _ = await comm.connect()
    assert connected
    first, second = await receive(comm), await receive(comm)
    assert [first["payload"]["statement"], second["payload"]["statement"]] == [
        "Erste Fassung",
        "Zweite Fassung",
    ]
    assert first["id"] < second["id"]
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


async def test_client_too_far_behind_is_told_to_reload():
    consultation = await sync_to_async(make_consultation)()
    group = realtime.consultation_group(consultation.pk)
    seen = await sync_to_async(realtime.current_event_id)(group)
    await sync_to_async(LiveEvent.objects.bulk_create)(
        [LiveEvent(group=group, type="consultation.updated", payload={}) for _ in range(201)]
    )
    comm = communicator(consultation.pk, query=f"last_event_id={seen}")
    connected, _ = await comm.connect()
    assert connected
    # With the position a fresh page would carry: a page that cannot be refreshed (a stored
    # copy) goes on listening from there instead of reloading again (live.js).
    position = await sync_to_async(realtime.current_event_id)(group)
    assert await receive(comm) == {"type": "reload", "position": position}
    await comm.disconnect()


@pytest.mark.parametrize("value", ["abc", "-1", "1" * 30, "1;drop"])
async def test_malformed_last_event_id_gets_an_error_not_a_crash(value):
    consultation = await sync_to_async(make_consultation)()
    comm = communicator(consultation.pk, query=f"last_event_id={value}")
    connected, _ = await comm.connect()
    assert connected
    assert (await receive(comm))["type"] == "error"
    await comm.disconnect()


async def test_socket_is_read_only():
    consultation = await sync_to_async(make_consultation)()
    comm = communicator(consultation.pk)
    await comm.connect()
    await comm.send_to(text_data=json.dumps({"type": "post", "text": "hi"}))
    reply = await receive(comm)
    assert reply == {"type": "error", "message": "this socket is read-only"}
    assert await sync_to_async(LiveEvent.objects.count)() == 0
    await comm.disconnect()


async def test_full_stack_refuses_a_foreign_origin():
    from participation.asgi import application

    consultation = await sync_to_async(make_consultation)()
    path = f"/ws/consultations/{consultation.pk}/"
    foreign = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await foreign.connect()
    assert not connected

    own = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://127.0.0.1")])
    connected, _ = await own.connect()
    assert connected
    await own.disconnect()


@pytest.mark.parametrize(
    "path",
    [
        "/ws/unknown",
        "/ws/unknown/",
        "/ws/discussions/abc/",
        "/ws/consultations/-1/",
        "/ws/consultations/99999999999999999999999/",
        "/ws/",
        "/ws/moderation/extra/",
    ],
)
async def test_unknown_socket_path_is_closed_cleanly(path):
    """The full stack (as a browser reaches it) closes unknown paths with 'not found' instead
    of failing with a server error."""
    from participation.asgi import application

    comm = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://127.0.0.1")])
    connected, code = await comm.connect()
    assert not connected
    assert code == consumers.CLOSE_NOT_FOUND
    await comm.disconnect()
