from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from consultations.actions import ActionError, PermissionDenied
from consultations.actions.discussions import (
    delete_comment,
    edit_comment,
    post_comment,
    react,
    report_comment,
)
from consultations.models import (
    BlockedWord,
    Comment,
    Consultation,
    ModerationDecision,
    Notification,
    Report,
    UserBlock,
)
from tests.factories import make_consultation, make_discussion, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sent")]


def test_post_publishes_and_broadcasts_after_commit(resident, discussion, sent):
    comment = post_comment(author=resident, discussion=discussion, text="Mehr Grün!")
    assert comment.status == Comment.Status.PUBLISHED
    (group, event), *_ = sent
    assert group == f"discussion.{discussion.pk}"
    assert event["type"] == "discussion.comment_posted"
    fragment = event["payload"]["html"]
    assert '<div class="comment__text" data-text><p>Mehr Grün!</p></div>' in fragment
    assert event["payload"]["author"] == "Anna"


def test_a_post_rolled_back_with_the_surrounding_transaction_is_never_sent(
    resident, discussion, sent
):
    # E.g. a later step of the same request failed: the comment and its live event go, and
    # nothing was pushed to anybody (the event would have announced a comment that is not).
    with pytest.raises(RuntimeError), transaction.atomic():
        post_comment(author=resident, discussion=discussion, text="Gleich wieder weg")
        raise RuntimeError("a later step failed")
    assert sent == []
    assert not Comment.objects.exists()


def test_replies_to_replies_hang_flat_under_the_thread(resident, neighbour, discussion):
    top = post_comment(author=resident, discussion=discussion, text="Frage")
    reply = post_comment(author=neighbour, discussion=discussion, text="Antwort", reply_to=top)
    again = post_comment(author=resident, discussion=discussion, text="Danke", reply_to=reply)
    assert (reply.thread, again.thread, again.reply_to) == (top, top, reply)


def test_cannot_reply_across_discussions(resident, discussion):
    other = post_comment(author=resident, discussion=make_discussion(), text="Woanders")
    with pytest.raises(ActionError):
        post_comment(author=resident, discussion=discussion, text="x", reply_to=other)


@pytest.mark.parametrize("text", ["", "   \n ", "<p></p>", "x" * 5001])
def test_empty_or_too_long_text_is_refused(resident, discussion, text, sent):
    with pytest.raises(ActionError):
        post_comment(author=resident, discussion=discussion, text=text)
    assert not Comment.objects.exists() and sent == []


def test_closed_phase_or_unverified_person_cannot_post(discussion):
    closed = make_discussion(make_consultation(active="evaluation"))
    with pytest.raises(PermissionDenied):
        post_comment(author=make_user(), discussion=closed, text="Zu spät")
    with pytest.raises(PermissionDenied):
        post_comment(author=make_user(verified=False), discussion=discussion, text="Hallo")
    assert not Comment.objects.exists()


def test_blocked_person_cannot_post(resident, discussion):
    UserBlock.objects.create(user=resident, consultation=discussion.consultation, reason="spam")
    with pytest.raises(PermissionDenied):
        post_comment(author=resident, discussion=discussion, text="Trotzdem")


def test_rate_limit_per_minute(resident, discussion, settings):
    settings.COMMENT_RATE_PER_MINUTE = 2
    post_comment(author=resident, discussion=discussion, text="eins")
    post_comment(author=resident, discussion=discussion, text="zwei")
    with pytest.raises(ActionError) as error:
        post_comment(author=resident, discussion=discussion, text="drei")
    assert error.value.code == "rate_limited"
    Comment.objects.update(created=timezone.now() - timedelta(minutes=2))
    post_comment(author=resident, discussion=discussion, text="drei")
    assert Comment.objects.count() == 3


def test_pre_moderation_sends_to_the_queue_only(resident, sent):
    consultation = make_consultation(moderation_mode=Consultation.ModerationMode.BEFORE)
    discussion = make_discussion(consultation)
    comment = post_comment(author=resident, discussion=discussion, text="Bitte prüfen")
    assert comment.status == Comment.Status.PENDING
    assert [group for group, _ in sent] == [f"moderation.{consultation.pk}"]


def test_word_list_sends_matching_comments_to_the_queue(resident, discussion, sent):
    BlockedWord.objects.create(phrase="Idiot")
    held = post_comment(author=resident, discussion=discussion, text="So ein IDIOT!")
    fine = post_comment(author=resident, discussion=discussion, text="Idiotensicher geplant")
    assert held.status == Comment.Status.PENDING
    assert held.needs_review_reason == "word list: Idiot"
    assert fine.status == Comment.Status.PUBLISHED


def test_edit_keeps_history_and_marks_edited(resident, discussion, sent):
    comment = post_comment(author=resident, discussion=discussion, text="Erste Fassung")
    edit_comment(editor=resident, comment=comment, text="Zweite Fassung")
    comment.refresh_from_db()
    assert comment.text == "Zweite Fassung" and comment.edited_at is not None
    assert list(comment.revisions.values_list("text", flat=True)) == ["Erste Fassung"]
    assert sent[-1][1]["type"] == "discussion.comment_changed"
    assert sent[-1][1]["payload"]["edited"] is True


def test_only_the_author_edits_and_only_within_the_window(resident, neighbour, discussion):
    comment = post_comment(author=resident, discussion=discussion, text="Text")
    with pytest.raises(PermissionDenied):
        edit_comment(editor=neighbour, comment=comment, text="Fremd")
    Comment.objects.filter(pk=comment.pk).update(created=timezone.now() - timedelta(hours=1))
    comment.refresh_from_db()
    with pytest.raises(PermissionDenied):
        edit_comment(editor=resident, comment=comment, text="Zu spät")


def test_delete_leaves_a_tombstone_without_text(resident, neighbour, discussion, sent):
    comment = post_comment(author=resident, discussion=discussion, text="Weg damit")
    reply = post_comment(author=neighbour, discussion=discussion, text="Hm", reply_to=comment)
    delete_comment(author=resident, comment=comment)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.DELETED and comment.text == ""
    assert Comment.objects.get(pk=reply.pk).thread_id == comment.pk
    payload = sent[-1][1]["payload"]
    assert payload["tombstone"] and "author" not in payload
    assert "Weg damit" not in str(payload) and "data-tombstone" in payload["html"]


def test_reactions_one_per_person_changeable_and_counted(resident, neighbour, discussion, sent):
    comment = post_comment(author=resident, discussion=discussion, text="Meinung")
    third = make_user()
    react(user=neighbour, comment=comment, value="agree")
    react(user=third, comment=comment, value="agree")
    react(user=neighbour, comment=comment, value="disagree")
    comment.refresh_from_db()
    assert (comment.agree_count, comment.disagree_count) == (1, 1)
    react(user=neighbour, comment=comment, value="disagree")  # same again takes it back
    comment.refresh_from_db()
    assert (comment.agree_count, comment.disagree_count) == (1, 0)
    assert sent[-1][1] == {
        "id": sent[-1][1]["id"],
        "type": "discussion.reactions_changed",
        "payload": {"id": comment.pk, "agree": 1, "disagree": 0},
    }
    with pytest.raises(ActionError):
        react(user=resident, comment=comment, value="agree")
    with pytest.raises(ActionError):
        react(user=neighbour, comment=comment, value="love")


def test_reports_auto_hide_after_threshold_and_notify(resident, discussion, sent):
    discussion.auto_hide_after_reports = 2
    discussion.save()
    comment = post_comment(author=resident, discussion=discussion, text="Strittig")
    report_comment(reporter=make_user(), comment=comment, reason="insult")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED and comment.open_report_count == 1
    report_comment(reporter=make_user(), comment=comment, reason="other", text="Beleidigend")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
    assert ModerationDecision.objects.get().kind == "auto_hide"
    note = Notification.objects.get(recipient=resident)
    assert note.kind == "comment_hidden"
    changed = [e for _, e in sent if e["type"] == "discussion.comment_changed"]
    assert changed[-1]["payload"]["tombstone"]


def test_report_validation(resident, neighbour, discussion):
    comment = post_comment(author=resident, discussion=discussion, text="Hallo")
    with pytest.raises(ActionError):
        report_comment(reporter=neighbour, comment=comment, reason="because")
    with pytest.raises(ActionError):
        report_comment(reporter=neighbour, comment=comment, reason="other", text="")
    with pytest.raises(PermissionDenied):
        report_comment(reporter=resident, comment=comment, reason="spam")
    report_comment(reporter=neighbour, comment=comment, reason="spam")
    with pytest.raises(ActionError) as error:
        report_comment(reporter=neighbour, comment=comment, reason="spam")
    assert error.value.code == "duplicate"
    assert Report.objects.count() == 1
    comment.refresh_from_db()
    assert comment.open_report_count == 1


def test_the_same_submission_twice_makes_one_comment(resident, discussion, sent):
    first = post_comment(
        author=resident, discussion=discussion, text="Einmal", idempotency_key="abc12345"
    )
    events = len(sent)
    again = post_comment(
        author=resident, discussion=discussion, text="Einmal", idempotency_key="abc12345"
    )
    assert again.pk == first.pk
    assert Comment.objects.count() == 1
    assert len(sent) == events  # nothing broadcast again
    # Another person's key, or another key, is another comment.
    post_comment(author=make_user(), discussion=discussion, text="Auch", idempotency_key="abc12345")
    post_comment(author=resident, discussion=discussion, text="Zwei", idempotency_key="def67890")
    assert Comment.objects.count() == 3
