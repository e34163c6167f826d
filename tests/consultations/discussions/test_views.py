import json
import re

import pytest
from django.urls import reverse

from consultations.actions.discussions import post_comment, report_comment
from consultations.actions.moderation import hide_comment
from consultations.models import Comment, Consultation, Notification, Report
from consultations.selectors import COMMENTS_PER_PAGE
from tests.factories import PASSWORD, make_consultation, make_discussion, make_user
from tests.hostile_inputs import HOSTILE_INPUTS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sent")]

JSON = {"HTTP_ACCEPT": "application/json"}


def test_anonymous_reader_sees_comments_and_a_login_prompt(client, discussion, resident):
    post_comment(author=resident, discussion=discussion, text="Erster!")
    response = client.get(reverse("discussion_detail", args=[discussion.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Erster!" in html and "Anna" in html
    assert reverse("account_login") in html
    assert 'name="text"' not in html
    assert 'data-live-socket="/ws/live/"' in html and "data-live-token=" in html


def test_private_discussion_is_hidden_from_outsiders(client):
    private = make_consultation(visibility=Consultation.Visibility.PRIVATE)
    discussion = make_discussion(private)
    assert client.get(reverse("discussion_detail", args=[discussion.pk])).status_code == 404


def test_post_without_javascript_redirects_to_the_comment(client, discussion, resident):
    client.force_login(resident)
    response = client.post(reverse("post_comment", args=[discussion.pk]), {"text": "Per Formular"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("comment_permalink", args=[comment.pk])
    follow = client.get(response["Location"])
    assert follow["Location"].endswith(f"#comment-{comment.pk}")


def test_post_with_fetch_returns_the_rendered_comment(client, discussion, resident):
    client.force_login(resident)
    response = client.post(
        reverse("post_comment", args=[discussion.pk]), {"text": "Per fetch"}, **JSON
    )
    body = response.json()
    assert response.status_code == 201
    assert f'id="comment-{body["id"]}"' in body["html"]
    assert "Per fetch" in body["html"]


def test_bad_input_explains_and_changes_nothing(client, discussion, resident, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(resident)
    url = reverse("post_comment", args=[discussion.pk])
    page = client.post(url, {"text": "   "})
    assert page.status_code == 400
    assert "Please write something" in page.content.decode()
    too_long = client.post(url, {"text": "x" * 5001}, **JSON)
    assert too_long.status_code == 400 and "too long" in json.dumps(too_long.json())
    foreign = client.post(url, {"text": "Antwort", "reply_to": 999999}, **JSON)
    assert foreign.status_code == 400
    assert not Comment.objects.exists()


def test_anonymous_post_goes_to_login(client, discussion):
    response = client.post(reverse("post_comment", args=[discussion.pk]), {"text": "Hallo"})
    assert response.status_code == 302 and "/konto/login/" in response["Location"]
    assert not Comment.objects.exists()


def test_rate_limited_person_gets_a_clear_message(client, discussion, resident, settings):
    settings.LANGUAGE_CODE = "en"
    settings.COMMENT_RATE_PER_MINUTE = 1
    client.force_login(resident)
    url = reverse("post_comment", args=[discussion.pk])
    client.post(url, {"text": "eins"})
    response = client.post(url, {"text": "zwei"}, **JSON)
    assert response.status_code == 400
    assert response.json()["code"] == "rate_limited"
    assert Comment.objects.count() == 1


def test_react_report_and_moderate_without_javascript(client, discussion, resident, moderator):
    comment = post_comment(author=resident, discussion=discussion, text="Streitbar")
    neighbour = make_user()
    client.force_login(neighbour)
    client.post(reverse("react", args=[comment.pk]), {"value": "agree"})
    comment.refresh_from_db()
    assert comment.agree_count == 1
    client.post(reverse("report_comment", args=[comment.pk]), {"reason": "insult"})
    comment.refresh_from_db()
    assert comment.open_report_count == 1

    client.force_login(moderator)
    queue = client.get(reverse("moderation_queue"))
    assert "Streitbar" in queue.content.decode()
    response = client.post(
        reverse("moderate_comment", args=[comment.pk]),
        {"decision": "hide", "reason": "insult", "note": "Bitte sachlich bleiben."},
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
    thread = client.get(reverse("discussion_detail", args=[discussion.pk])).content.decode()
    # The moderator still reads the removed text, marked as such; the public does not.
    assert "data-removed-text" in thread and "Streitbar" in thread
    client.logout()
    thread = client.get(reverse("discussion_detail", args=[discussion.pk])).content.decode()
    assert "Streitbar" not in thread
    assert "insult" in thread.lower() or "beleidigung" in thread.lower()


def test_hide_without_reason_is_refused(client, discussion, resident, moderator):
    comment = post_comment(author=resident, discussion=discussion, text="Text")
    client.force_login(moderator)
    client.post(reverse("moderate_comment", args=[comment.pk]), {"decision": "hide"})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED


def test_residents_cannot_use_the_queue_or_moderate(client, discussion, resident):
    comment = post_comment(author=resident, discussion=discussion, text="Text")
    client.force_login(make_user())
    assert client.get(reverse("moderation_queue")).status_code == 403
    response = client.post(
        reverse("moderate_comment", args=[comment.pk]), {"decision": "hide", "reason": "spam"}
    )
    assert response.status_code == 404
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED


def test_author_sees_own_pending_comment_others_do_not(client, resident):
    consultation = make_consultation(moderation_mode=Consultation.ModerationMode.BEFORE)
    discussion = make_discussion(consultation)
    post_comment(author=resident, discussion=discussion, text="Noch geheim")
    url = reverse("discussion_detail", args=[discussion.pk])
    assert "Noch geheim" not in client.get(url).content.decode()
    client.force_login(resident)
    assert "Noch geheim" in client.get(url).content.decode()


def test_author_is_told_why_and_public_log_shows_counts_only(
    client, discussion, resident, moderator
):
    comment = post_comment(author=resident, discussion=discussion, text="Zu weit")
    hide_comment(moderator=moderator, comment=comment, reason="insult", note="Persönlich")
    client.force_login(resident)
    notes = client.get(reverse("notifications")).content.decode()
    assert "Persönlich" in notes
    client.logout()
    log = client.get(reverse("moderation_log", args=[discussion.consultation.slug]))
    html = log.content.decode()
    assert log.status_code == 200
    assert "Persönlich" not in html and "Anna" not in html and "Kim_" not in html
    assert Notification.objects.filter(recipient=resident).count() == 1


def test_edit_and_delete_flow(client, discussion, resident):
    comment = post_comment(author=resident, discussion=discussion, text="Tippfeler")
    client.force_login(resident)
    client.post(reverse("edit_comment", args=[comment.pk]), {"text": "Tippfehler"})
    comment.refresh_from_db()
    assert comment.text == "Tippfehler" and comment.edited_at
    client.post(reverse("delete_comment", args=[comment.pk]))
    comment.refresh_from_db()
    assert comment.status == Comment.Status.DELETED
    other = make_user()
    client.force_login(other)
    assert client.post(reverse("delete_comment", args=[comment.pk])).status_code == 404


def test_permalink_opens_the_right_page(client, discussion):
    authors = [make_user() for _ in range(3)]
    comments = [
        Comment.objects.create(discussion=discussion, author=authors[i % 3], text=f"K{i}")
        for i in range(COMMENTS_PER_PAGE + 5)
    ]
    last = comments[-1]
    response = client.get(reverse("comment_permalink", args=[last.pk]))
    assert response["Location"].endswith(f"?page=2#comment-{last.pk}")
    page_two = client.get(reverse("discussion_detail", args=[discussion.pk]) + "?page=2")
    assert f'id="comment-{last.pk}"' in page_two.content.decode()


def test_page_queries_do_not_grow_with_comments(client, discussion, django_assert_max_num_queries):
    resident = make_user()
    client.force_login(resident)
    # The reader wrote some of them: their own comments ask more rules (edit, delete).
    authors = [resident] + [make_user() for _ in range(4)]

    def add(n):
        tops = Comment.objects.bulk_create(
            Comment(discussion=discussion, author=authors[i % 5], text=f"T{i}") for i in range(n)
        )
        Comment.objects.bulk_create(
            Comment(discussion=discussion, author=authors[i % 5], text="R", thread=t, reply_to=t)
            for i, t in enumerate(tops)
        )

    url = reverse("discussion_detail", args=[discussion.pk])
    add(10)
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    add(990)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("hostile", HOSTILE_INPUTS)
def test_hostile_comments_and_reports_are_inert_on_page_and_queue(
    client, discussion, resident, moderator, hostile
):
    comment = post_comment(author=resident, discussion=discussion, text=f"x {hostile}")
    report_comment(reporter=make_user(), comment=comment, reason="other", text=f"r {hostile}")
    for user, url in [
        (resident, reverse("discussion_detail", args=[discussion.pk])),
        (moderator, reverse("moderation_queue")),
    ]:
        client.force_login(user)
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "javascript:alert" not in _attributes(html)


def _attributes(html: str) -> str:
    """All attribute values of all elements, where an injected handler or URL would live."""
    from html.parser import HTMLParser

    values = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                values.append(f"{name}={value}")
                assert not name.startswith("on"), (tag, name)

    Collector().feed(html)
    return " ".join(values)


def test_login_with_password_then_comment(client, discussion):
    user = make_user(email="zoe@example.org")
    client.post(reverse("account_login"), {"login": "zoe@example.org", "password": PASSWORD})
    response = client.post(reverse("post_comment", args=[discussion.pk]), {"text": "Hallo"})
    assert response.status_code == 302
    assert Comment.objects.get().author == user


def test_personal_data_export_includes_contributions(client, discussion, resident, neighbour):
    from consultations.actions.discussions import edit_comment, react

    comment = post_comment(author=resident, discussion=discussion, text="Erst")
    edit_comment(editor=resident, comment=comment, text="Dann")
    mine = post_comment(author=neighbour, discussion=discussion, text="Fremd")
    react(user=resident, comment=mine, value="agree")
    report_comment(reporter=resident, comment=mine, reason="spam")
    client.force_login(resident)
    data = client.get(reverse("export_data")).json()
    assert [c["text"] for c in data["comments"]] == ["Dann"]
    assert data["comments"][0]["earlier_versions"] == ["Erst"]
    assert data["reactions"] == [{"comment": mine.pk, "value": "agree"}]
    assert data["reports"] == [{"comment": mine.pk, "reason": "spam", "text": ""}]
    assert "Fremd" not in json.dumps(data)


def test_deleted_account_keeps_comments_as_deleted_account(client, discussion, resident):
    from consultations.actions.accounts import delete_account

    post_comment(author=resident, discussion=discussion, text="Bleibt stehen")
    delete_account(user=resident)
    html = client.get(reverse("discussion_detail", args=[discussion.pk])).content.decode()
    assert "Bleibt stehen" in html
    assert "Anna" not in html


def test_header_shows_unread_notifications_and_queue_link(client, discussion, resident, moderator):
    comment = post_comment(author=resident, discussion=discussion, text="Zu weit")
    hide_comment(moderator=moderator, comment=comment, reason="spam")
    client.force_login(resident)
    html = client.get(reverse("profile")).content.decode()
    assert reverse("notifications") in html and 'badge--count">1' in html
    assert reverse("moderation_queue") not in html
    client.force_login(moderator)
    assert reverse("moderation_queue") in client.get(reverse("profile")).content.decode()


@pytest.mark.parametrize("hostile", HOSTILE_INPUTS)
def test_hostile_comments_and_reports_are_inert_in_the_data_export(
    client, discussion, resident, neighbour, hostile
):
    mine = post_comment(author=resident, discussion=discussion, text=f"x {hostile}")
    theirs = post_comment(author=neighbour, discussion=discussion, text="y")
    report_comment(reporter=resident, comment=theirs, reason="other", text=f"r {hostile}")
    client.force_login(resident)
    response = client.get(reverse("export_data"))
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    assert not {"<", ">"} & set(body)
    data = json.loads(body)
    mine.refresh_from_db()
    assert [c["text"] for c in data["comments"]] == [mine.text]
    assert data["reports"][0]["text"] == Report.objects.get(comment=theirs).text


def test_queue_says_why_a_comment_is_held_in_the_readers_language(
    client, discussion, resident, moderator
):
    from consultations.models import BlockedWord

    BlockedWord.objects.create(phrase="Idiot")
    post_comment(author=resident, discussion=discussion, text="So ein Idiot!")
    client.force_login(moderator)
    queue = client.get(reverse("moderation_queue")).content.decode()
    assert "word list" not in queue
    assert "„Idiot“" in queue or "“Idiot”" in queue
    assert "Wortliste" in queue


def test_moderator_reads_a_hidden_comment_with_its_history_before_restoring(
    client, discussion, resident, moderator
):
    from consultations.actions.moderation import hide_comment

    comment = post_comment(author=resident, discussion=discussion, text="Grenzwertig")
    hide_comment(moderator=moderator, comment=comment, reason="insult", note="Ton")
    client.force_login(moderator)
    page = client.get(reverse("moderation_comment", args=[comment.pk])).content.decode()
    assert "Grenzwertig" in page
    assert "data-history" in page and "Ton" in page
    assert 'value="restore"' in page


def test_edit_is_offered_only_while_the_comment_can_be_edited(client, discussion, resident):
    from datetime import timedelta

    from django.utils import timezone

    comment = post_comment(author=resident, discussion=discussion, text="Frisch")
    client.force_login(resident)
    edit_url = reverse("edit_comment", args=[comment.pk])
    page = reverse("discussion_detail", args=[discussion.pk])
    assert f'href="{edit_url}"' in client.get(page).content.decode()

    Comment.objects.filter(pk=comment.pk).update(created=timezone.now() - timedelta(minutes=16))
    html = client.get(page).content.decode()
    assert f'href="{edit_url}"' not in html
    assert f'href="{reverse("delete_comment", args=[comment.pk])}"' in html  # still deletable


def test_a_retried_form_post_does_not_post_twice(client, discussion, resident):
    client.force_login(resident)
    page = client.get(reverse("discussion_detail", args=[discussion.pk])).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    url = reverse("post_comment", args=[discussion.pk])
    first = client.post(url, {"text": "Nur einmal", "idempotency_key": key})
    second = client.post(url, {"text": "Nur einmal", "idempotency_key": key})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Comment.objects.filter(text="Nur einmal").count() == 1
    # The page after posting carries a new key for the next comment.
    page = client.get(reverse("discussion_detail", args=[discussion.pk])).content.decode()
    assert key not in page


def test_a_malformed_idempotency_key_is_refused(client, discussion, resident):
    client.force_login(resident)
    url = reverse("post_comment", args=[discussion.pk])
    response = client.post(url, {"text": "Hallo", "idempotency_key": "<script>"})
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_an_edit_sent_back_to_review_is_rendered_for_its_author_only(
    client, discussion, resident, neighbour, sent
):
    """The live event tells everyone only that the comment is no longer public; the author's
    open page asks for its own rendering (the permalink, as JSON), as a reload shows it."""
    from consultations import realtime
    from consultations.actions.discussions import edit_comment
    from consultations.models import BlockedWord

    BlockedWord.objects.create(phrase="Idiot")
    comment = post_comment(author=resident, discussion=discussion, text="Sanieren!")
    before = len(sent)
    edit_comment(editor=resident, comment=comment, text="Sanieren, du Idiot!")
    group = realtime.discussion_group(discussion.pk)
    [event] = [event for to, event in list(sent)[before:] if to == group]
    assert event["type"] == "discussion.comment_changed"
    assert event["payload"] == {
        "id": comment.pk,
        "discussion": discussion.pk,
        "thread": None,
        "reply_to": None,
        "visible": False,
    }

    url = reverse("comment_permalink", args=[comment.pk])
    client.force_login(resident)
    answer = client.get(url, **JSON)
    assert answer.status_code == 200 and "Accept" in answer["Vary"]
    data = answer.json()
    assert data["id"] == comment.pk
    assert "Sanieren, du Idiot!" in data["html"] and "comment--pending" in data["html"]
    assert "Awaiting review" in data["html"] or "Wartet auf Freigabe" in data["html"]
    assert "<ol" not in data["html"]  # the article only, not the replies under it

    client.force_login(neighbour)
    assert client.get(url, **JSON).status_code == 404
    client.logout()
    assert client.get(url, **JSON).status_code == 404
