"""One rendering of a comment for every use (issue 9, item 7): the live event carries the page's
fragment in its shared form, the same for every viewer, one per language. Nothing only some
viewers may see is in it; the page renders the same template for the person looking."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from consultations import payloads
from consultations.actions.discussions import post_comment, report_comment
from consultations.actions.moderation import hide_comment
from consultations.models import Comment, LiveEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sent")]

JSON = {"HTTP_ACCEPT": "application/json"}
SECRET = "Nur für die Moderation lesbar"


def article_of(html: str, comment_id: int) -> str:
    match = re.search(rf'<article[^>]* id="comment-{comment_id}".*?</article>', html, re.S)
    assert match, html
    return match.group(0)


def needs(html: str) -> list[str]:
    return re.findall(r'data-needs="([^"]+)"', html)


def test_the_live_event_carries_the_shared_fragment_in_every_language(resident, discussion, sent):
    comment = post_comment(author=resident, discussion=discussion, text="Mehr Bänke")
    payload = sent[-1][1]["payload"]
    german, english = payload["html"], payload["translations"]["en"]["html"]
    for html, agree in ((german, "Zustimmung"), (english, "Agree")):
        assert html.count("<article") == 1 and f'id="comment-{comment.pk}"' in html
        assert "<p>Mehr Bänke</p>" in html and "Anna" in html and agree in html
        # Every viewer's controls are there, switched off until the browser knows the viewer.
        assert sorted(needs(html)) == sorted(
            ["react", "no-react", "own-edit", "own", "other", "comment", "moderate"]
        )
        # "Edit" only while the rule allows it: the browser compares with the window's end.
        assert 'data-edit-until="' in html
        assert html.count(" hidden>") == 6  # all but the read-only counts
        # Nothing belonging to one viewer: no CSRF token, no idempotency key, no own reaction.
        assert "csrfmiddlewaretoken" not in html
        assert 'name="idempotency_key" value=""' in html
        assert 'aria-pressed="true"' not in html
        assert f'data-author="{resident.pk}"' in html


def test_a_hidden_comment_goes_out_as_a_tombstone_without_its_text(
    resident, neighbour, moderator, discussion, sent
):
    comment = post_comment(author=resident, discussion=discussion, text=SECRET)
    report_comment(reporter=neighbour, comment=comment, reason="off_topic")
    hide_comment(moderator=moderator, comment=comment, reason="off_topic", note="Bitte beim Thema")
    [payload] = [
        event["payload"]
        for group, event in sent
        if event["type"] == "discussion.comment_changed" and group.startswith("discussion.")
    ]
    assert payload["status"] == "hidden" and "author" not in payload
    everything = json.dumps(payload, ensure_ascii=False)
    assert SECRET not in everything and "Bitte beim Thema" not in everything
    assert "data-removed-text" not in everything and "Anna" not in everything
    for html in (payload["html"], payload["translations"]["en"]["html"]):
        assert "data-tombstone" in html and "data-text" not in html
        assert needs(html) == ["moderate"]  # a moderator may restore it
    # The history a reconnecting browser catches up from holds no text either.
    history = json.dumps(list(LiveEvent.objects.values_list("payload", flat=True)))
    assert SECRET not in history


def test_open_reports_stay_out_of_the_shared_fragment(resident, neighbour, discussion):
    comment = post_comment(author=resident, discussion=discussion, text="Gemeldet")
    report_comment(reporter=neighbour, comment=comment, reason="off_topic")
    comment.refresh_from_db()
    assert comment.open_report_count == 1
    html = payloads.comment_payload(comment)["html"]
    assert 'value="approve"' not in html  # "keep and dismiss reports" only on reload
    comment.refresh_from_db()
    assert comment.open_report_count == 1  # rendered from a copy


def test_a_comment_awaiting_review_has_no_shared_rendering(resident, discussion, sent):
    comment = post_comment(author=resident, discussion=discussion, text="Ein Vollpfosten")
    comment.status = Comment.Status.PENDING
    assert payloads.comment_payload(comment) == {
        "id": comment.pk,
        "discussion": discussion.pk,
        "thread": None,
        "reply_to": None,
        "visible": False,
    }
    with pytest.raises(ValueError):
        payloads.comment_fragment(comment)


def test_the_page_renders_the_same_fragment_for_the_person_looking(
    client, resident, neighbour, moderator, discussion
):
    comment = post_comment(author=resident, discussion=discussion, text="Seite")
    url = reverse("discussion_detail", args=[discussion.pk])

    client.force_login(neighbour)
    page = client.get(url).content.decode()
    article = article_of(page, comment.pk)
    assert needs(article) == [] and " hidden" not in article
    assert reverse("react", args=[comment.pk]) in article
    assert reverse("report_comment", args=[comment.pk]) in article
    assert reverse("edit_comment", args=[comment.pk]) not in article
    assert article.count("csrfmiddlewaretoken") == 2  # reaction and reply forms, as no-JS needs
    assert 'name="idempotency_key" value=""' not in article
    assert f'data-viewer="{neighbour.pk}"' in page and "data-may-react" in page
    assert "data-may-moderate" not in page and "data-csrf-token=" in page
    assert "data-comment-template" not in page  # no second copy for scripts

    client.force_login(resident)
    article = article_of(client.get(url).content.decode(), comment.pk)
    assert reverse("edit_comment", args=[comment.pk]) in article
    assert reverse("delete_comment", args=[comment.pk]) in article
    assert reverse("react", args=[comment.pk]) not in article

    client.force_login(moderator)
    page = client.get(url).content.decode()
    assert "comment__moderation" in article_of(page, comment.pk) and "data-may-moderate" in page


def test_anonymous_pages_carry_no_viewer_and_no_token(client, resident, discussion):
    post_comment(author=resident, discussion=discussion, text="Offen")
    page = client.get(reverse("discussion_detail", args=[discussion.pk])).content.decode()
    assert "data-viewer" not in page and "data-csrf-token" not in page
    assert "data-may-react" not in page and "data-may-comment" not in page


def test_removed_text_is_marked_for_its_author_on_reload_only(
    client, resident, moderator, discussion, sent
):
    comment = post_comment(author=resident, discussion=discussion, text=SECRET)
    hide_comment(moderator=moderator, comment=comment, reason="off_topic")
    client.force_login(resident)
    page = client.get(reverse("discussion_detail", args=[discussion.pk])).content.decode()
    article = article_of(page, comment.pk)
    assert "data-removed-text" in article and SECRET in article
    assert SECRET not in json.dumps([event for _group, event in sent])


def test_fetch_answers_render_the_same_template(client, resident, neighbour, discussion):
    comment = post_comment(author=neighbour, discussion=discussion, text="Frage")
    client.force_login(resident)
    url = reverse("post_comment", args=[discussion.pk])
    body = client.post(url, {"text": "Antwort", "reply_to": comment.pk}, **JSON).json()
    assert body["html"].count("<article") == 1 and "data-replies" not in body["html"]
    assert reverse("edit_comment", args=[body["id"]]) in body["html"]

    body = client.post(url, {"text": "Neuer Faden"}, **JSON).json()
    assert f'data-replies="{body["id"]}"' in body["html"]  # a thread comes with its reply list

    edit = reverse("edit_comment", args=[body["id"]])
    edited = client.post(edit, {"text": "Neuer Faden, geändert"}, **JSON).json()
    assert edited["html"].lstrip().startswith("<article")
    assert "data-replies" not in edited["html"] and "geändert" in edited["html"]
