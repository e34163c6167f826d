"""What a change to a comment sets off, shared by the discussion and the moderation actions:
the live broadcast to the discussion's viewers, the moderation queue's nudge, and the notice
that tells the author what moderation did.

It sits below both action modules so that neither needs the other (an automatic hide after
reports, a residents' action, notifies the author just as a moderator's hide does).
"""

from __future__ import annotations

from consultations import payloads, realtime
from consultations.actions.notices import send_notice
from consultations.models import Comment
from consultations.modules import discussion_notices


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
    """Tell the author what moderation did to their comment, and why (the reason code and the
    moderators' note as they are now; rendered in the author's language when read)."""
    if comment.author_id is None:
        return
    if hidden:
        kind = discussion_notices.COMMENT_HIDDEN
        params = {"reason": comment.moderation_reason, "note": comment.moderation_note}
    elif restored:
        kind, params = discussion_notices.COMMENT_RESTORED, {}
    else:
        kind, params = discussion_notices.COMMENT_APPROVED, {}
    send_notice(recipient_id=comment.author_id, kind=kind, target=comment, params=params)
