"""A person's unread count arrives live over their own socket, and nobody else's (issue 9,
item 5). Visibility table: owner, another resident, anonymous."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from consultations import consumers
from consultations.actions.discussions import post_comment
from consultations.actions.moderation import block_user, hide_comment
from consultations.actions.notices import mark_all_read
from consultations.routing import websocket_urlpatterns
from tests.factories import make_discussion, make_user

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def communicator(user=None, path="/ws/notices/"):
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    comm.scope["user"] = user or AnonymousUser()
    return comm


async def receive(comm):
    return json.loads(await comm.receive_from(timeout=3))


async def connected(user):
    comm = communicator(user)
    ok, _ = await comm.connect()
    assert ok
    assert await receive(comm) == {
        "id": None,
        "type": "notices.unread_changed",
        "payload": {"unread": 0},
    }
    return comm


async def test_the_owner_gets_the_unread_count_live_and_nobody_else_does():
    author = await sync_to_async(make_user)(pseudonym="Anna")
    other = await sync_to_async(make_user)(pseudonym="Ben")
    moderator = await sync_to_async(make_user)(groups=("Site moderators",))
    discussion = await sync_to_async(make_discussion)()
    comment = await sync_to_async(post_comment)(author=author, discussion=discussion, text="x")
    mine, theirs = await connected(author), await connected(other)

    await sync_to_async(hide_comment)(
        moderator=moderator, comment=comment, reason="insult", note="Nur für Anna"
    )

    event = await receive(mine)
    assert event == {"id": None, "type": "notices.unread_changed", "payload": {"unread": 1}}
    assert "Nur für Anna" not in json.dumps(event)  # a count travels, never the notice
    assert await theirs.receive_nothing(timeout=0.3)

    await sync_to_async(block_user)(
        moderator=moderator, user=author, consultation=None, until=None, reason="spam"
    )
    assert (await receive(mine))["payload"] == {"unread": 2}
    await sync_to_async(mark_all_read)(user=author)
    assert (await receive(mine))["payload"] == {"unread": 0}
    assert await theirs.receive_nothing(timeout=0.3)
    await mine.disconnect()
    await theirs.disconnect()


async def test_a_reconnecting_socket_is_sent_the_current_count():
    author = await sync_to_async(make_user)()
    moderator = await sync_to_async(make_user)(groups=("Site moderators",))
    await sync_to_async(block_user)(
        moderator=moderator, user=author, consultation=None, until=None, reason="spam"
    )
    comm = communicator(author)
    assert (await comm.connect())[0]
    assert (await receive(comm))["payload"] == {"unread": 1}
    await comm.disconnect()


@pytest.mark.parametrize("who", ["anonymous", "inactive"])
async def test_nobody_without_an_account_may_listen(who):
    user = None
    if who == "inactive":
        user = await sync_to_async(make_user)(is_active=False)
    comm = communicator(user)
    ok, code = await comm.connect()
    assert not ok and code == consumers.CLOSE_FORBIDDEN


async def test_another_persons_notices_cannot_be_named_in_the_address():
    owner = await sync_to_async(make_user)()
    comm = communicator(owner, path=f"/ws/notices/{owner.pk + 1}/")
    ok, code = await comm.connect()
    assert not ok and code == consumers.CLOSE_NOT_FOUND


async def test_the_notices_socket_is_read_only():
    comm = await connected(await sync_to_async(make_user)())
    await comm.send_to(text_data=json.dumps({"type": "mark_read"}))
    assert await receive(comm) == {"type": "error", "message": "this socket is read-only"}
    await comm.disconnect()
