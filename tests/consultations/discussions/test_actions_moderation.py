from datetime import timedelta

import pytest
from django.utils import timezone

from consultations import notices
from consultations.actions import ActionError, PermissionDenied
from consultations.actions.discussions import post_comment, report_comment
from consultations.actions.discussions import post_comment as post
from consultations.actions.moderation import (
    approve_comment,
    block_user,
    hide_comment,
    lift_block,
    restore_comment,
    set_official,
    set_pinned,
)
from consultations.models import (
    Comment,
    Consultation,
    ConsultationMembership,
    ModerationDecision,
    Notification,
    Report,
    UserBlock,
)
from tests.factories import add_member, make_consultation, make_discussion, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sent")]


def fresh(user):
    """A new instance: permission answers are cached per user object (per request)."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def comment(resident, discussion):
    return post_comment(author=resident, discussion=discussion, text="Eine Meinung")


def test_hide_leaves_public_reason_notifies_author_and_logs(comment, moderator, resident, sent):
    report_comment(reporter=make_user(), comment=comment, reason="insult")
    hide_comment(moderator=moderator, comment=comment, reason="insult", note="Bitte sachlich.")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
    assert comment.open_report_count == 0
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    decision = ModerationDecision.objects.get(kind="hide")
    assert (decision.moderator, decision.subject, decision.reason) == (
        moderator,
        resident,
        "insult",
    )
    notification = Notification.objects.get(recipient=resident)
    assert notification.params == {"reason": "insult", "note": "Bitte sachlich."}
    assert "Bitte sachlich." in notices.render(notification).text
    event = [e for _, e in sent if e["type"] == "discussion.comment_changed"][-1]
    assert "Bitte sachlich." not in str(event)  # the note is for the author, not the public
    assert event["payload"]["tombstone"]


def test_hide_needs_a_listed_reason(comment, moderator):
    with pytest.raises(ActionError):
        hide_comment(moderator=moderator, comment=comment, reason="")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED


def test_restore_after_auto_hide(comment, moderator, resident):
    comment.discussion.auto_hide_after_reports = 1
    comment.discussion.save()
    report_comment(reporter=make_user(), comment=comment, reason="spam")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
    restore_comment(moderator=moderator, comment=comment)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED and comment.moderation_reason == ""
    assert Notification.objects.filter(recipient=resident, kind="comment_restored").exists()
    with pytest.raises(ActionError):
        restore_comment(moderator=moderator, comment=comment)


def test_approve_publishes_pending_comment(resident, moderator, sent):
    consultation = make_consultation(moderation_mode=Consultation.ModerationMode.BEFORE)
    comment = post(author=resident, discussion=make_discussion(consultation), text="Warte")
    approve_comment(moderator=moderator, comment=comment)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED
    assert sent[-2][1]["type"] == "discussion.comment_posted"
    assert sent[-1][1]["type"] == "moderation.queue_changed"


def test_approve_of_reported_comment_dismisses_reports(comment, moderator):
    report_comment(reporter=make_user(), comment=comment, reason="spam")
    approve_comment(moderator=moderator, comment=comment)
    comment.refresh_from_db()
    assert comment.open_report_count == 0
    assert ModerationDecision.objects.filter(kind="dismiss_reports").count() == 1
    with pytest.raises(ActionError):
        approve_comment(moderator=moderator, comment=comment)


def test_pin_and_official_answer(comment, moderator, sent):
    set_pinned(moderator=moderator, comment=comment, pinned=True)
    set_official(moderator=moderator, comment=comment, official=True)
    comment.refresh_from_db()
    assert comment.is_pinned and comment.is_official
    assert sent[-1][1]["payload"]["official"] is True
    set_pinned(moderator=moderator, comment=comment, pinned=False)
    kinds = list(ModerationDecision.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["pin", "mark_official", "unpin"]


def test_replies_cannot_be_pinned(comment, moderator, neighbour, discussion):
    reply = post(author=neighbour, discussion=discussion, text="Re", reply_to=comment)
    with pytest.raises(ActionError):
        set_pinned(moderator=moderator, comment=reply, pinned=True)


def test_residents_and_moderators_of_other_consultations_cannot_moderate(comment, neighbour):
    other_mod = make_user()
    add_member(make_consultation(), other_mod, ConsultationMembership.Role.MODERATOR)
    own_mod = make_user()
    add_member(comment.discussion.consultation, own_mod, ConsultationMembership.Role.MODERATOR)
    for outsider in (neighbour, other_mod):
        with pytest.raises(PermissionDenied):
            hide_comment(moderator=outsider, comment=comment, reason="spam")
    hide_comment(moderator=own_mod, comment=comment, reason="spam")
    assert ModerationDecision.objects.count() == 1


def test_block_per_consultation_and_site_wide(resident, moderator, discussion):
    consultation = discussion.consultation
    own_mod = make_user()
    add_member(consultation, own_mod, ConsultationMembership.Role.MODERATOR)
    until = timezone.now() + timedelta(days=7)

    with pytest.raises(PermissionDenied):
        block_user(moderator=own_mod, user=resident, consultation=None, until=until, reason="spam")
    block = block_user(
        moderator=own_mod, user=resident, consultation=consultation, until=until, reason="spam"
    )
    with pytest.raises(PermissionDenied):
        post(
            author=make_user().__class__.objects.get(pk=resident.pk),
            discussion=discussion,
            text="x",
        )
    # Elsewhere they may still take part.
    post(
        author=resident.__class__.objects.get(pk=resident.pk),
        discussion=make_discussion(),
        text="y",
    )

    lift_block(moderator=own_mod, block=block)
    post(author=resident.__class__.objects.get(pk=resident.pk), discussion=discussion, text="z")
    assert Notification.objects.filter(recipient=resident, kind="blocked").count() == 1
    assert list(ModerationDecision.objects.order_by("pk").values_list("kind", flat=True)) == [
        "block_user",
        "unblock_user",
    ]


def test_block_validation(resident, moderator, discussion):
    past = timezone.now() - timedelta(days=1)
    with pytest.raises(ActionError):
        block_user(moderator=moderator, user=resident, consultation=None, until=past, reason="spam")
    with pytest.raises(ActionError):
        block_user(
            moderator=moderator, user=moderator, consultation=None, until=None, reason="spam"
        )
    other_moderator = make_user(groups=("Site moderators",))
    with pytest.raises(ActionError):
        block_user(
            moderator=moderator, user=other_moderator, consultation=None, until=None, reason="spam"
        )
    assert not UserBlock.objects.exists()


@pytest.mark.parametrize("removal", ["hidden", "deleted by its author", "edited"])
def test_catch_up_never_replays_a_text_that_is_gone(resident, moderator, discussion, removal):
    from consultations import realtime
    from consultations.actions.discussions import delete_comment, edit_comment

    seen = realtime.current_event_id(realtime.discussion_group(discussion.pk))
    comment = post(author=resident, discussion=discussion, text="Was niemand mehr lesen soll")
    if removal == "hidden":
        hide_comment(moderator=moderator, comment=comment, reason="insult")
    elif removal == "deleted by its author":
        delete_comment(author=resident, comment=comment)
    else:
        edit_comment(editor=resident, comment=comment, text="Neue Fassung")

    missed = realtime.events_since(realtime.discussion_group(discussion.pk), seen)
    assert [event["type"] for event in missed] == [
        realtime.EventType.COMMENT_POSTED,
        realtime.EventType.COMMENT_CHANGED,
    ]
    assert "niemand" not in str(missed)
    assert missed[0]["payload"] == missed[1]["payload"]  # both tell the newest state
    assert missed[0]["id"] < missed[1]["id"]


def test_live_texts_are_in_the_site_language_whoever_acted(resident, moderator, discussion, sent):
    from django.utils import translation

    comment = post(author=resident, discussion=discussion, text="Eine Meinung")
    with translation.override("en"):  # the moderator reads the site in English
        hide_comment(moderator=moderator, comment=comment, reason="insult")
    changed = [event for _group, event in sent if event["type"].endswith("comment_changed")][-1]
    payload = changed["payload"]
    assert payload["tombstone"] == "Von der Moderation entfernt: Beleidigung oder Belästigung"
    assert payload["translations"]["en"]["tombstone"].startswith("Removed by moderation: ")
    assert payload["created_display"] != payload["translations"]["en"]["created_display"]


def test_the_blocked_person_is_told_the_note_and_where(resident, moderator, discussion):
    block_user(
        moderator=moderator,
        user=resident,
        consultation=discussion.consultation,
        until=timezone.now() + timedelta(days=3),
        reason="insult",
        note="Bitte lesen Sie die Diskussionsregeln.",
    )
    told = notices.render(Notification.objects.get(recipient=resident, kind="blocked")).text
    assert "Bitte lesen Sie die Diskussionsregeln." in told
    assert discussion.consultation.title in told
