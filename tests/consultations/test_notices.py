"""Notices are data, rendered for the reader (issue 9, item 5): one stored row reads in the
reader's language, its link is built when it is read, old notices still read, and the person's
unread count is pushed after the commit."""

from __future__ import annotations

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path, reverse
from django.utils import timezone

from consultations import exports, notices, realtime
from consultations.actions.discussions import post_comment, report_comment
from consultations.actions.moderation import (
    approve_comment,
    block_user,
    hide_comment,
    restore_comment,
)
from consultations.actions.notices import mark_all_read, send_notice
from consultations.models import Comment, Notification
from consultations.modules import discussion_notices
from tests.factories import make_consultation, make_discussion, make_user
from tests.hostile_inputs import HOSTILE_INPUTS, assert_inert

pytestmark = pytest.mark.django_db

GERMAN_TITLE = "Ihr Kommentar wurde entfernt"


@pytest.fixture
def discussion():
    return make_discussion(make_consultation(title="Radweg Lindenallee"))


@pytest.fixture
def resident():
    return make_user(pseudonym="Anna")


@pytest.fixture
def moderator():
    return make_user(pseudonym="Kim_Moderatorin", groups=("Site moderators",))


@pytest.fixture
def hidden_notice(discussion, resident, moderator):
    comment = post_comment(author=resident, discussion=discussion, text="Zu weit")
    hide_comment(moderator=moderator, comment=comment, reason="insult", note="Bitte sachlich.")
    return Notification.objects.get(recipient=resident)


def as_reader(notification, language):
    """The notice as a person whose preferred language is ``language`` reads it (fresh from
    the database, as the worker or the export would load it)."""
    notification.recipient.preferred_language = language
    notification.recipient.save(update_fields=["preferred_language"])
    return notices.render(Notification.objects.select_related("recipient").get(pk=notification.pk))


# --- One row, read in the reader's language ---------------------------------------------------


def test_the_same_notice_reads_german_for_a_german_reader_and_english_for_an_english_one(
    hidden_notice,
):
    german = as_reader(hidden_notice, "de")
    english = as_reader(hidden_notice, "en")

    assert german.title == GERMAN_TITLE
    assert "Von der Moderation entfernt: Beleidigung oder Belästigung" in german.text
    assert "Hinweis der Moderation: Bitte sachlich." in german.text
    assert english.title == "your comment was removed"
    assert "Removed by moderation: insult or harassment" in english.text
    assert "Note from the moderators: Bitte sachlich." in english.text
    # Stored once, in no language: the facts only.
    assert hidden_notice.params == {"reason": "insult", "note": "Bitte sachlich."}


def test_a_person_without_a_chosen_language_reads_the_site_language(hidden_notice):
    rendered = as_reader(hidden_notice, "")
    assert "Von der Moderation entfernt" in rendered.text
    assert as_reader(hidden_notice, "xx").text == rendered.text  # unknown code: site language


def _moved_permalink(request, pk):
    return HttpResponse()


urlpatterns = [path("neu/beitrag/<int:pk>/", _moved_permalink, name="comment_permalink")]


def test_the_link_is_built_when_the_notice_is_read(hidden_notice):
    comment_id = hidden_notice.target_id
    assert hidden_notice.target_type == ContentType.objects.get_for_model(Comment)
    assert notices.render(hidden_notice).url == f"/kommentare/{comment_id}/"
    # The same stored row under other URLs (a later release moved the permalink) links there:
    # nothing of the old address was stored.
    with override_settings(ROOT_URLCONF=__name__):
        assert notices.render(hidden_notice).url == f"/neu/beitrag/{comment_id}/"
    assert "kommentare" not in json.dumps(hidden_notice.params)


def test_a_notice_whose_comment_is_gone_still_reads_without_a_link(hidden_notice):
    hidden_notice.target.delete()
    notice = notices.render(Notification.objects.get(pk=hidden_notice.pk))
    assert notice.url == ""
    assert "Von der Moderation entfernt: Beleidigung oder Belästigung" in notice.text


# --- What each kind says ----------------------------------------------------------------------


def test_a_hidden_comments_notice_shows_the_reason_and_the_note(hidden_notice):
    notice = notices.render(hidden_notice, language="de")
    assert notice.title == GERMAN_TITLE
    assert "Beleidigung oder Belästigung" in notice.text
    assert "Bitte sachlich." in notice.text


def test_an_automatic_hide_tells_the_author_it_awaits_review(discussion, resident):
    discussion.auto_hide_after_reports = 1
    discussion.save()
    comment = post_comment(author=resident, discussion=discussion, text="Strittig")
    report_comment(reporter=make_user(), comment=comment, reason="insult", text="Geheim")
    notice = notices.render(Notification.objects.get(recipient=resident), language="de")
    assert notice.text == (
        "Von der Moderation entfernt: nach mehreren Meldungen bis zur Prüfung ausgeblendet"
    )
    assert "Geheim" not in notice.text  # nothing of the reporters


def test_approve_and_restore_notices_read_in_both_languages(resident, moderator):
    from consultations.models import Consultation

    consultation = make_consultation(moderation_mode=Consultation.ModerationMode.BEFORE)
    comment = post_comment(author=resident, discussion=make_discussion(consultation), text="x")
    approve_comment(moderator=moderator, comment=comment)
    notification = Notification.objects.get(recipient=resident, kind="comment_approved")
    assert as_reader(notification, "de").text == "Ihr Kommentar wurde geprüft und veröffentlicht."
    assert as_reader(notification, "en").text == "Your comment was reviewed and published."
    hide_comment(moderator=moderator, comment=comment, reason="off_topic")
    restore_comment(moderator=moderator, comment=comment, note="Nur fürs Protokoll")
    restored = Notification.objects.get(recipient=resident, kind="comment_restored")
    assert as_reader(restored, "de").text == "Ihr Kommentar wurde geprüft und ist wieder sichtbar."
    assert as_reader(restored, "en").text == "Your comment was reviewed and is visible again."
    assert notices.render(restored).url == f"/kommentare/{comment.pk}/"


@pytest.mark.parametrize("hostile", HOSTILE_INPUTS)
def test_hostile_text_in_a_note_stays_inert(resident, hostile):
    notification = send_notice(
        recipient_id=resident.pk,
        kind=discussion_notices.COMMENT_HIDDEN,
        params={"reason": "<b>insult</b>", "note": hostile},
    )
    body = notices.render(notification, language="de").body
    assert_inert(body, allowed_tags={"p"})


def test_the_block_notice_shows_where_until_when_why_and_the_note(resident, moderator, discussion):
    consultation = discussion.consultation
    until = timezone.now().replace(microsecond=0) + timedelta(days=3)
    block_user(
        moderator=moderator,
        user=resident,
        consultation=consultation,
        until=until,
        reason="insult",
        note="Bitte lesen Sie die Diskussionsregeln.",
    )
    notification = Notification.objects.get(recipient=resident, kind="blocked")
    german = as_reader(notification, "de")
    local = timezone.localtime(until)
    assert "In „Radweg Lindenallee“:" in german.text
    assert f"Bis {local:%d.%m.%Y %H:%M} können Sie keine Beiträge verfassen" in german.text
    assert "Grund: Beleidigung oder Belästigung" in german.text
    assert "Hinweis der Moderation: Bitte lesen Sie die Diskussionsregeln." in german.text
    english = as_reader(notification, "en")
    assert "In “Radweg Lindenallee”:" in english.text
    assert "You cannot contribute until" in english.text and "insult or harassment" in english.text
    assert f"{local:%d.%m.%Y}" not in english.text  # the English date format, not the German
    # A consultation renamed since: the notice names it as it is called now.
    consultation.title = "Radweg Lindenallee (neu)"
    consultation.save()
    assert "In „Radweg Lindenallee (neu)“:" in as_reader(notification, "de").text


def test_a_site_wide_block_without_end_says_so(resident, moderator):
    block_user(
        moderator=moderator, user=resident, consultation=None, until=None, reason="spam", note=""
    )
    notice = as_reader(Notification.objects.get(recipient=resident), "de")
    assert notice.text.startswith("Auf der gesamten Website:")
    assert "Bis auf Weiteres können Sie keine Beiträge verfassen." in notice.text
    assert "Hinweis" not in notice.text


# --- Old notices, unknown kinds ---------------------------------------------------------------


def test_a_notice_from_before_reads_as_it_was_stored(resident):
    old = Notification.objects.create(
        recipient=resident,
        kind="blocked",
        params={"legacy_text": "Gesperrt bis 1.1. <b>Grund</b>", "legacy_url": "/kommentare/7/"},
    )
    notice = notices.render(old, language="en")
    assert notice.title == "you were blocked"
    assert notice.text == "Gesperrt bis 1.1. <b>Grund</b>"  # its text, escaped, in its language
    assert "<b>" not in notice.body
    assert notice.url == "/kommentare/7/"


@pytest.mark.parametrize("stored", ["//evil.example/x", "https://evil.example/", "javascript:x"])
def test_an_old_notices_stored_link_is_followed_only_on_this_site(resident, stored):
    old = Notification.objects.create(
        recipient=resident, kind="blocked", params={"legacy_text": "x", "legacy_url": stored}
    )
    assert notices.render(old).url == ""


def test_a_kind_no_module_registers_any_more_still_reads(resident):
    orphan = Notification.objects.create(recipient=resident, kind="survey_closed", params={})
    assert notices.render(orphan, language="de").title == "Benachrichtigung"


# --- The list page, the unread count, the export ----------------------------------------------


def test_the_list_reads_in_the_pages_language_with_a_bounded_number_of_queries(
    client, resident, moderator, discussion, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.COMMENT_RATE_PER_MINUTE = settings.COMMENT_RATE_PER_HOUR = 100
    comments = [
        post_comment(author=resident, discussion=discussion, text=f"Nr. {n}") for n in range(6)
    ]
    block_user(
        moderator=moderator,
        user=resident,
        consultation=discussion.consultation,
        until=None,
        reason="insult",
    )
    client.force_login(resident)
    client.get(reverse("notifications"))  # the site's settings and caches, once
    counted = []
    for n, comment in enumerate(comments):
        hide_comment(moderator=moderator, comment=comment, reason="spam", note=f"Notiz {n}")
        if n in (1, 5):
            with CaptureQueriesContext(connection) as queries:
                html = client.get(reverse("notifications")).content.decode()
            counted.append(len(queries))
    assert counted[0] == counted[1]  # 3 notices or 7: the same queries
    assert html.count("Von der Moderation entfernt: Spam oder Werbung") == 6
    assert "Notiz 5" in html and "In „Radweg Lindenallee“:" in html
    assert "7 ungelesene Benachrichtigungen" in html
    client.cookies["mitreden_language"] = "en"
    html = client.get(reverse("notifications")).content.decode()
    assert html.count("Removed by moderation: spam or advertising") == 6
    assert "7 unread notifications" in html


def test_marking_read_pushes_the_new_count_after_the_commit(
    resident, hidden_notice, django_capture_on_commit_callbacks
):
    with mock.patch.object(realtime, "send_now") as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            mark_all_read(user=resident)
        send.assert_not_called()  # nothing before the commit
        for callback in callbacks:
            callback()
    group, message = send.call_args.args
    assert group == realtime.notices_group(resident.pk)
    assert message["event"] == {
        "id": None,
        "type": "notices.unread_changed",
        "payload": {"unread": 0},
    }


def test_a_rolled_back_decision_leaves_no_notice_and_pushes_nothing(
    resident, moderator, discussion, django_capture_on_commit_callbacks
):
    from django.db import transaction

    comment = post_comment(author=resident, discussion=discussion, text="Zu weit")
    with mock.patch.object(realtime, "send_now") as send:
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(RuntimeError), transaction.atomic():
                hide_comment(moderator=moderator, comment=comment, reason="insult")
                raise RuntimeError
    assert not Notification.objects.exists()
    assert not [c for c in send.call_args_list if c.args[0].startswith("notices.")]


def test_the_header_shows_the_unread_count_without_javascript(client, hidden_notice, resident):
    client.force_login(resident)
    html = client.get(reverse("profile")).content.decode()
    assert 'data-live-socket="/ws/notices/"' in html
    assert 'aria-live="polite"' in html and 'badge--count">1' in html
    client.post(reverse("notifications"))
    html = client.get(reverse("profile")).content.decode()
    assert "badge--count" not in html


def test_the_export_contains_the_notices_rendered_in_the_persons_language(hidden_notice):
    resident = hidden_notice.recipient
    resident.preferred_language = "en"
    resident.save()
    export = exports.personal_data_export(resident)
    assert export["account"]["preferred_language"] == "en"
    [notice] = export["notifications"]
    assert notice["kind"] == "comment_hidden"
    assert notice["title"] == "your comment was removed"
    assert notice["text"] == (
        "Removed by moderation: insult or harassment Note from the moderators: Bitte sachlich."
    )
    assert notice["url"] == f"/kommentare/{hidden_notice.target_id}/"
    assert notice["read"] is None
    assert notice["parameters"] == {"reason": "insult", "note": "Bitte sachlich."}
    json.dumps(notice)


# --- The preferred language -------------------------------------------------------------------


def test_the_language_switch_stores_a_signed_in_persons_choice(client, resident):
    client.force_login(resident)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.preferred_language == "en" and resident.language == "en"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    resident.refresh_from_db()
    assert resident.preferred_language == "en"  # an unknown language changes nothing


def test_the_language_switch_still_works_for_visitors(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["mitreden_language"].value == "en"


@pytest.mark.parametrize("read", [False, True])
@pytest.mark.parametrize("viewer", ["owner", "other resident", "moderator", "anonymous"])
def test_who_sees_a_notice(client, hidden_notice, resident, moderator, viewer, read):
    """A notice is its recipient's alone: state (unread, read) × viewer × every way in
    (the list, the header count, the personal export, marking as read)."""
    if read:
        mark_all_read(user=resident)
    people = {"owner": resident, "other resident": make_user(), "moderator": moderator}
    note = "Bitte sachlich."
    if viewer != "anonymous":
        client.force_login(people[viewer])
    listing = client.get(reverse("notifications"))
    if viewer == "anonymous":
        assert listing.status_code == 302  # to the login page
    else:
        assert (note in listing.content.decode()) is (viewer == "owner")
        export = json.dumps(exports.personal_data_export(people[viewer]))
        assert (note in export) is (viewer == "owner")
        header = client.get(reverse("discussion_detail", args=[hidden_notice.target.discussion_id]))
        unread_here = viewer == "owner" and not read
        assert ('badge--count">1<' in header.content.decode()) is unread_here
        # Marking "everything" as read touches only one's own notices.
        client.post(reverse("notifications"))
        hidden_notice.refresh_from_db()
        assert (hidden_notice.read_at is not None) is (read or viewer == "owner")
