"""What a change to a comment sets off, shared by the discussion and the moderation actions:
the live broadcast to the discussion's viewers, the moderation queue's nudge, and the notice
that tells the author what moderation did.

It sits below both action modules so that neither needs the other (an automatic hide after
reports, a residents' action, notifies the author just as a moderator's hide does).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from consultations import payloads, realtime
from consultations.models import Comment, Notification


def broadcast_comment(comment: Comment, event_type: str) -> None:
    """Announce the comment's new public state to the discussion's viewers (after commit)."""
    realtime.broadcast_on_commit(
        realtime.discussion_group(comment.discussion_id),
        event_type,
        payloads.comment_payload(comment),
        subject=realtime.comment_subject(comment.pk),
    )


def broadcast_queue_changed(comment: Comment, consultation_id: int) -> None:
    realtime.broadcast_on_commit(
        realtime.moderation_group(consultation_id),
        realtime.EventType.QUEUE_CHANGED,
        {"comment": comment.pk, "consultation": consultation_id},
    )


def notify_author(comment: Comment, *, hidden: bool = False, restored: bool = False) -> None:
    """Tell the author what moderation did to their comment, and why."""
    if comment.author_id is None:
        return
    url = reverse("comment_permalink", args=[comment.pk])
    if hidden:
        kind = Notification.Kind.COMMENT_HIDDEN
        message = payloads.tombstone_text(comment)
        if comment.moderation_note:
            message = f"{message} – {comment.moderation_note}"
    elif restored:
        kind = Notification.Kind.COMMENT_RESTORED
        message = _("Your comment was reviewed and is visible again.")
    else:
        kind = Notification.Kind.COMMENT_APPROVED
        message = _("Your comment was reviewed and published.")
    Notification.objects.create(recipient_id=comment.author_id, kind=kind, message=message, url=url)
