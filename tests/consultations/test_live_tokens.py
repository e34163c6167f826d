"""The page's one socket (/ws/live/) and its signed subscription token: what it lets through,
what it refuses, and that a connect usually asks no database."""

import json
import time
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import override_settings

from consultations import consumers, live_tokens, realtime
from consultations.actions.consultations import publish_results
from consultations.actions.discussions import post_comment
from consultations.models import Consultation, ConsultationMembership
from consultations.routing import websocket_urlpatterns
from tests.factories import add_member, make_consultation, make_discussion, make_user

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_public_checks():
    live_tokens.forget_public_checks()
    yield
    live_tokens.forget_public_checks()


def socket(token, user=None, last_event_id=None):
    query = f"token={token}" + (
        f"&last_event_id={last_event_id}" if last_event_id is not None else ""
    )
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/live/?{query}")
    if user is not None:
        comm.scope["user"] = user
    return comm


async def receive(comm):
    return json.loads(await comm.receive_from(timeout=3))


def page_subscription(consultation, *targets):
    return live_tokens.subscription_for(consultation, [consultation, *targets])


async def test_one_socket_hears_the_consultation_and_its_discussion():
    consultation = await sync_to_async(make_consultation)(active="participation")
    discussion = await sync_to_async(make_discussion)(consultation)
    editor = await sync_to_async(make_user)(groups=("Editors",))
    resident = await sync_to_async(make_user)()
    page = await sync_to_async(page_subscription)(consultation, discussion)
    comm = socket(page["live_token"], last_event_id=page["current_event_id"])
    connected, _ = await comm.connect()
    assert connected

    await sync_to_async(post_comment)(author=resident, discussion=discussion, text="Hallo")
    await sync_to_async(publish_results)(editor=editor, consultation=consultation, statement="Ja")
    types = [(await receive(comm))["type"], (await receive(comm))["type"]]
    assert types == ["discussion.comment_posted", "consultation.results_published"]
    await comm.disconnect()


async def test_a_fresh_public_token_connects_without_the_database_once_warm():
    consultation = await sync_to_async(make_consultation)()
    page = await sync_to_async(page_subscription)(consultation)
    first = socket(page["live_token"], last_event_id=page["current_event_id"])
    assert (await first.connect())[0]
    assert await first.receive_nothing(timeout=0.2)  # its catch-up check ran after accepting
    # The first viewer read whether the consultation is public and the stream's position;
    # every later one, at the page's position, costs no query at all (no session either).
    with mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=AssertionError("query")):
        others = [socket(page["live_token"], last_event_id=page["current_event_id"])]
        others.append(socket(page["live_token"], last_event_id=page["current_event_id"]))
        for comm in others:
            connected, _ = await comm.connect()
            assert connected
            assert await comm.receive_nothing(timeout=0.05)
    for comm in [first, *others]:
        await comm.disconnect()


async def test_a_client_behind_the_stream_still_catches_up():
    consultation = await sync_to_async(make_consultation)(active="results")
    editor = await sync_to_async(make_user)(groups=("Editors",))
    page = await sync_to_async(page_subscription)(consultation)
    warm = socket(page["live_token"], last_event_id=page["current_event_id"])
    assert (await warm.connect())[0]
    await sync_to_async(publish_results)(editor=editor, consultation=consultation, statement="A")
    assert (await receive(warm))["payload"]["statement"] == "A"
    behind = socket(page["live_token"], last_event_id=page["current_event_id"])
    assert (await behind.connect())[0]
    assert (await receive(behind))["payload"]["statement"] == "A"
    assert await behind.receive_nothing(timeout=0.1)
    await warm.disconnect()
    await behind.disconnect()


async def test_tampered_and_foreign_tokens_are_refused():
    public = await sync_to_async(make_consultation)()
    private = await sync_to_async(make_consultation)(visibility=Consultation.Visibility.PRIVATE)
    token = (await sync_to_async(page_subscription)(public))["live_token"]
    _payload, _, signature = token.partition(":")
    # Another consultation's group in a public token's clothes: the signature no longer fits.
    forged = signing.dumps(
        {"c": private.pk, "g": [realtime.consultation_group(private.pk)], "p": 1}, salt="other"
    )
    swapped = (
        signing.dumps(
            {"c": private.pk, "g": [realtime.consultation_group(private.pk)], "p": 1}
        ).partition(":")[0]
        + ":"
        + signature
    )
    for bad in [forged, swapped, token[:-2] + "xx", "", "kein-token"]:
        comm = socket(bad)
        connected, code = await comm.connect()
        assert not connected
        assert code == consumers.CLOSE_FORBIDDEN


async def test_expired_token_of_a_private_consultation_needs_membership_and_of_a_public_works():
    private = await sync_to_async(make_consultation)(visibility=Consultation.Visibility.PRIVATE)
    public = await sync_to_async(make_consultation)()
    member = await sync_to_async(make_user)()
    await sync_to_async(add_member)(private, member, ConsultationMembership.Role.PARTICIPANT)
    with override_settings(LIVE_TOKEN_SECONDS=1, PAGE_CACHE_SECONDS=1):
        old_private = (await sync_to_async(page_subscription)(private))["live_token"]
        old_public = (await sync_to_async(page_subscription)(public))["live_token"]
        time.sleep(2.1)
        assert not live_tokens.read(old_private).fresh
        comm = socket(old_private, user=AnonymousUser())
        assert (await comm.connect()) == (False, consumers.CLOSE_FORBIDDEN)
        comm = socket(old_private, user=member)
        assert (await comm.connect())[0]
        await comm.disconnect()
        comm = socket(old_public, user=AnonymousUser())
        assert (await comm.connect())[0]
        await comm.disconnect()


async def test_revoked_membership_ends_a_private_consultation_s_token():
    private = await sync_to_async(make_consultation)(visibility=Consultation.Visibility.PRIVATE)
    member = await sync_to_async(make_user)()
    membership = await sync_to_async(add_member)(
        private, member, ConsultationMembership.Role.PARTICIPANT
    )
    token = (await sync_to_async(page_subscription)(private))["live_token"]
    assert live_tokens.read(token).public is False
    comm = socket(token, user=member)
    assert (await comm.connect())[0]
    await comm.disconnect()
    await sync_to_async(membership.delete)()
    # A new connect loads the person afresh from the session (roles are cached per object).
    member = await sync_to_async(type(member).objects.get)(pk=member.pk)
    comm = socket(token, user=member)
    assert (await comm.connect()) == (False, consumers.CLOSE_FORBIDDEN)
    outsider = await sync_to_async(make_user)()
    comm = socket(token, user=outsider)
    assert (await comm.connect()) == (False, consumers.CLOSE_FORBIDDEN)


async def test_a_public_token_stops_working_once_its_consultation_turned_private():
    consultation = await sync_to_async(make_consultation)()
    token = (await sync_to_async(page_subscription)(consultation))["live_token"]
    consultation.visibility = Consultation.Visibility.PRIVATE
    await sync_to_async(consultation.save)()
    live_tokens.forget_public_checks()  # as after PUBLIC_CHECK_SECONDS
    comm = socket(token, user=AnonymousUser())
    assert (await comm.connect()) == (False, consumers.CLOSE_FORBIDDEN)


async def test_a_discussion_of_another_consultation_in_a_token_is_refused_the_slow_way():
    mine = await sync_to_async(make_consultation)(visibility=Consultation.Visibility.PRIVATE)
    other = await sync_to_async(make_consultation)()
    discussion = await sync_to_async(make_discussion)(other)
    member = await sync_to_async(make_user)()
    await sync_to_async(add_member)(mine, member, ConsultationMembership.Role.PARTICIPANT)
    token = live_tokens.issue(
        consultation_id=mine.pk, groups=[realtime.discussion_group(discussion.pk)], public=False
    )
    comm = socket(token, user=member)
    assert (await comm.connect()) == (False, consumers.CLOSE_FORBIDDEN)
