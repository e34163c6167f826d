"""Who may see that a comment exists, who may read it, who may act on it: state × viewer × every
way in (permalink, thread, report, edit, delete, react, reply, moderation pages, socket
catch-up, personal exports). The tables are the spec; rules.py decides them in one place."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from consultations import exports, realtime
from consultations.actions.discussions import delete_comment, post_comment
from consultations.actions.moderation import hide_comment
from consultations.models import Comment, Consultation, ConsultationMembership, LiveEvent
from tests.factories import add_member, make_consultation, make_discussion, make_user

pytestmark = pytest.mark.django_db

STATES = ["live", "held", "hidden", "deleted", "private"]
VIEWERS = ["anonymous", "other", "author", "moderator_here", "moderator_elsewhere"]
EVERYONE = set(VIEWERS)
SIGNED_IN = EVERYONE - {"anonymous"}

# May see that it exists (the comment, or its tombstone, in the thread).
EXISTS = {
    "live": EVERYONE,
    "held": {"author", "moderator_here"},
    "hidden": EVERYONE,
    "deleted": EVERYONE,
    "private": {"author", "moderator_here"},
}
# May read its text.
READS = {
    "live": EVERYONE,
    "held": {"author", "moderator_here"},
    "hidden": {"author", "moderator_here"},
    "deleted": set(),
    "private": {"author", "moderator_here"},
}
# May report it or react to it (signed in, not its author, only while it is published).
REPORTS = {
    "live": {"other", "moderator_here", "moderator_elsewhere"},
    "private": {"moderator_here"},
}
# May reply to it (published, and the person may comment here).
REPLIES = {"live": SIGNED_IN, "private": {"author", "moderator_here"}}
EDITS = {"live": {"author"}, "private": {"author"}}
DELETES = {"live": {"author"}, "held": {"author"}, "private": {"author"}}
MODERATES = {state: {"moderator_here"} for state in STATES}


def text_of(state):
    return f"Geheimtext-{state}-7f3a"


@pytest.fixture
def world(settings):
    settings.COMMENT_RATE_PER_MINUTE = settings.COMMENT_RATE_PER_HOUR = 100
    people = {
        "other": make_user(pseudonym="Andere"),
        "author": make_user(pseudonym="Autorin"),
        "moderator_here": make_user(pseudonym="ModHier"),
        "moderator_elsewhere": make_user(pseudonym="ModDort"),
    }
    add_member(make_consultation(), people["moderator_elsewhere"], "moderator")
    comments = {}
    for state in STATES:
        kwargs = {}
        if state == "held":
            kwargs["moderation_mode"] = Consultation.ModerationMode.BEFORE
        if state == "private":
            kwargs["visibility"] = Consultation.Visibility.PRIVATE
        consultation = make_consultation(**kwargs)
        add_member(consultation, people["moderator_here"], ConsultationMembership.Role.MODERATOR)
        if state == "private":
            add_member(consultation, people["author"], ConsultationMembership.Role.PARTICIPANT)
        discussion = make_discussion(consultation)
        comment = post_comment(author=people["author"], discussion=discussion, text=text_of(state))
        if state == "hidden":
            hide_comment(moderator=people["moderator_here"], comment=comment, reason="insult")
        if state == "deleted":
            delete_comment(author=people["author"], comment=comment)
        comments[state] = Comment.objects.get(pk=comment.pk)
    return people, comments


def login(client, people, viewer):
    client.logout()
    if viewer != "anonymous":
        client.force_login(people[viewer])


def refused(response, viewer) -> bool:
    """Not found, or (for anonymous visitors) sent to the login page."""
    if viewer == "anonymous" and response.status_code == 302:
        return reverse("account_login") in response["Location"]
    return response.status_code == 404


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_way_in(client, world, state, viewer):
    people, comments = world
    comment = comments[state]
    secret = text_of(state)
    login(client, people, viewer)

    # The permalink: the thread, the moderation page for a moderator of a held comment, or 404.
    response = client.get(reverse("comment_permalink", args=[comment.pk]))
    if viewer in EXISTS[state]:
        assert response.status_code == 302
    else:
        assert response.status_code == 404

    # The thread: text, tombstone, or nothing.
    thread = client.get(reverse("discussion_detail", args=[comment.discussion_id]))
    html = thread.content.decode()
    if state == "private" and viewer not in EXISTS[state]:
        assert thread.status_code == 404
    if viewer not in READS[state]:
        assert secret not in html
    if state in {"hidden", "deleted"}:
        assert f'id="comment-{comment.pk}"' in html  # the tombstone
    if state == "held" and viewer not in EXISTS[state]:
        assert f'id="comment-{comment.pk}"' not in html

    # Residents' ways in that need a published comment.
    for name, allowed in [
        ("report_comment", REPORTS.get(state, set())),
        ("edit_comment", EDITS.get(state, set())),
        ("delete_comment", DELETES.get(state, set())),
    ]:
        response = client.get(reverse(name, args=[comment.pk]))
        if viewer in allowed:
            assert response.status_code in {200, 302}, name
            if response.status_code == 200 and viewer not in READS[state]:
                assert secret not in response.content.decode(), name
        else:
            assert refused(response, viewer), (name, response.status_code)

    before = Comment.objects.get(pk=comment.pk)
    response = client.post(reverse("react", args=[comment.pk]), {"value": "agree"})
    if viewer in REPORTS.get(state, set()):
        assert response.status_code == 302
        assert Comment.objects.get(pk=comment.pk).agree_count == before.agree_count + 1
    else:
        assert refused(response, viewer) or (state in REPORTS and viewer == "author")
        assert Comment.objects.get(pk=comment.pk).agree_count == before.agree_count

    replies_before = Comment.objects.filter(reply_to=comment).count()
    response = client.post(
        reverse("post_comment", args=[comment.discussion_id]),
        {"text": "Eine Antwort", "reply_to": comment.pk},
    )
    replies_after = Comment.objects.filter(reply_to=comment).count()
    assert replies_after == replies_before + (viewer in REPLIES.get(state, set()))
    if viewer not in READS[state]:
        assert secret not in response.content.decode()

    # Moderators' pages.
    for response in [
        client.get(reverse("moderation_comment", args=[comment.pk])),
        client.get(reverse("block_author", args=[comment.pk])),
        client.post(reverse("moderate_comment", args=[comment.pk]), {"decision": "unpin"}),
    ]:
        if viewer in MODERATES[state]:
            assert response.status_code in {200, 302}
        else:
            assert refused(response, viewer), response.status_code
    if viewer in MODERATES[state] and state != "deleted":
        detail = client.get(reverse("moderation_comment", args=[comment.pk]))
        assert secret in detail.content.decode()

    # Whoever may read it finds the text somewhere they are entitled to look.
    if viewer in READS[state] and viewer != "moderator_here":
        assert secret in html


@pytest.mark.parametrize("state", ["held", "hidden", "deleted"])
def test_socket_catch_up_never_carries_text_that_is_not_public(world, state):
    _people, comments = world
    comment = comments[state]
    events = realtime.events_since(realtime.discussion_group(comment.discussion_id), 0)
    assert events is not None
    assert text_of(state) not in json.dumps(events)
    assert text_of(state) not in json.dumps(list(LiveEvent.objects.values("payload")))


@pytest.mark.parametrize("viewer", ["other", "moderator_here", "moderator_elsewhere"])
def test_nobody_elses_export_carries_the_comment(client, world, viewer):
    people, comments = world
    client.force_login(people["other"])
    # The other resident reacted to, reported and replied to the live comment.
    client.post(reverse("react", args=[comments["live"].pk]), {"value": "agree"})
    client.post(reverse("report_comment", args=[comments["live"].pk]), {"reason": "spam"})
    hide_comment(
        moderator=people["moderator_here"], comment=comments["live"], reason="insult", note=""
    )
    export = json.dumps(exports.personal_data_export(people[viewer]))
    for state in STATES:
        assert text_of(state) not in export
    own = json.dumps(exports.personal_data_export(people["author"]))
    assert text_of("hidden") in own and text_of("held") in own


def test_permalink_of_a_held_comment_takes_its_moderator_to_the_moderation_page(client, world):
    people, comments = world
    client.force_login(people["moderator_here"])
    response = client.get(reverse("comment_permalink", args=[comments["held"].pk]))
    assert response["Location"] == reverse("moderation_comment", args=[comments["held"].pk])


def test_anonymous_visitor_is_not_a_moderator_anywhere(world):
    _people, comments = world
    import rules

    assert not rules.has_perm("consultations.read_comment", AnonymousUser(), comments["hidden"])
