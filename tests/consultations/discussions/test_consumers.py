import json
import re

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from consultations import consumers
from consultations.actions.discussions import post_comment, react
from consultations.actions.moderation import hide_comment
from consultations.models import Consultation, ConsultationMembership
from consultations.routing import websocket_urlpatterns
from tests.factories import add_member, make_consultation, make_discussion, make_user
from tests.hostile_inputs import HOSTILE_INPUTS, assert_inert

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def connect_to(path, user=None):
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    comm.scope["user"] = user or AnonymousUser()
    return comm


async def receive(comm):
    return json.loads(await comm.receive_from(timeout=3))


async def test_viewer_sees_comment_reaction_and_removal_live():
    discussion = await sync_to_async(make_discussion)()
    author, fan = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    moderator = await sync_to_async(make_user)(groups=("Site moderators",))
    viewer = connect_to(f"/ws/discussions/{discussion.pk}/")
    assert (await viewer.connect())[0]

    comment = await sync_to_async(post_comment)(author=author, discussion=discussion, text="Live!")
    posted = await receive(viewer)
    assert posted["type"] == "discussion.comment_posted"
    assert "<p>Live!</p>" in posted["payload"]["html"]

    await sync_to_async(react)(user=fan, comment=comment, value="agree")
    counts = await receive(viewer)
    assert counts["payload"] == {"id": comment.pk, "agree": 1, "disagree": 0}

    await sync_to_async(hide_comment)(moderator=moderator, comment=comment, reason="spam")
    removed = await receive(viewer)
    assert removed["type"] == "discussion.comment_changed"
    assert "Live!" not in json.dumps(removed["payload"]) and removed["payload"]["tombstone"]
    assert counts["id"] is None  # a coalesced state, not a recorded change
    assert posted["id"] < removed["id"]
    await viewer.disconnect()


async def test_private_discussion_refuses_outsiders():
    consultation = await sync_to_async(make_consultation)(
        visibility=Consultation.Visibility.PRIVATE
    )
    discussion = await sync_to_async(make_discussion)(consultation)
    outsider = connect_to(f"/ws/discussions/{discussion.pk}/", await sync_to_async(make_user)())
    connected, code = await outsider.connect()
    assert not connected and code == consumers.CLOSE_FORBIDDEN


async def test_queue_socket_only_for_moderators_and_only_their_consultations():
    mine = await sync_to_async(make_consultation)()
    other = await sync_to_async(make_consultation)(
        moderation_mode=Consultation.ModerationMode.BEFORE
    )
    mine.moderation_mode = Consultation.ModerationMode.BEFORE
    await sync_to_async(mine.save)()
    moderator = await sync_to_async(make_user)()
    await sync_to_async(add_member)(mine, moderator, ConsultationMembership.Role.MODERATOR)

    refused = connect_to("/ws/moderation/", await sync_to_async(make_user)())
    connected, code = await refused.connect()
    assert not connected and code == consumers.CLOSE_FORBIDDEN

    queue = connect_to("/ws/moderation/", moderator)
    assert (await queue.connect())[0]
    author = await sync_to_async(make_user)()
    await sync_to_async(post_comment)(
        author=author, discussion=await sync_to_async(make_discussion)(other), text="Fremd"
    )
    assert await queue.receive_nothing(timeout=0.3)
    comment = await sync_to_async(post_comment)(
        author=author, discussion=await sync_to_async(make_discussion)(mine), text="Meins"
    )
    event = await receive(queue)
    assert event["type"] == "moderation.queue_changed"
    assert event["payload"] == {"comment": comment.pk, "consultation": mine.pk}
    await queue.disconnect()


@pytest.mark.parametrize("hostile", HOSTILE_INPUTS)
async def test_hostile_text_arrives_escaped_over_the_socket(hostile):
    discussion = await sync_to_async(make_discussion)()
    viewer = connect_to(f"/ws/discussions/{discussion.pk}/")
    await viewer.connect()
    author = await sync_to_async(make_user)()
    await sync_to_async(post_comment)(author=author, discussion=discussion, text=f"a {hostile}")
    event = await receive(viewer)
    # The fragment is our markup around the comment's text; the text itself must be inert.
    fragment = event["payload"]["html"]
    text = re.search(r"<div class=\"comment__text\" data-text>(.*?)</div>", fragment, re.S)
    assert_inert(text.group(1), {"p", "br", "a"})
    assert fragment.count("<article") == 1 and fragment.count("</article>") == 1
    await viewer.disconnect()
