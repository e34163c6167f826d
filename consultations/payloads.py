"""What live events say about things: small, public JSON, the same for every viewer.

Nothing personal beyond the public name; text goes out already rendered by the sanitiser, so
browsers may insert it as HTML. Per-viewer controls (edit, react) are added by the browser from
a template in the page.
"""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from consultations.models import Comment
from consultations.sanitising import render_plain_text


def author_name(comment: Comment) -> str:
    if comment.author is None:
        return _("deleted account")
    return comment.author.public_name


def tombstone_text(comment: Comment) -> str:
    """The public line left where a removed comment was."""
    from consultations.models import RemovalReason

    if comment.status == Comment.Status.DELETED:
        return _("This comment was deleted by its author.")
    reason = RemovalReason(comment.moderation_reason).label if comment.moderation_reason else ""
    if reason:
        return _("Removed by moderation: %(reason)s") % {"reason": reason}
    return _("Removed by moderation.")


def comment_payload(comment: Comment) -> dict:
    """The public state of a comment; ``visible: False`` means "not shown to the public"."""
    base = {
        "id": comment.pk,
        "discussion": comment.discussion_id,
        "thread": comment.thread_id,
        "reply_to": comment.reply_to_id,
    }
    if comment.status == Comment.Status.PENDING:
        return {**base, "visible": False}
    created = timezone.localtime(comment.created)
    payload = {
        **base,
        "visible": True,
        "status": str(comment.status),
        "created": created.isoformat(),
        "created_display": formats.date_format(created, "DATETIME_FORMAT"),
        "agree": comment.agree_count,
        "disagree": comment.disagree_count,
        "pinned": comment.is_pinned,
        "official": comment.is_official,
    }
    if comment.is_tombstone:
        payload["tombstone"] = tombstone_text(comment)
        return payload
    payload.update(
        {
            "author": author_name(comment),
            "html": str(render_plain_text(comment.text)),
            "edited": comment.edited_at is not None,
        }
    )
    return payload


def reactions_payload(comment: Comment) -> dict:
    return {"id": comment.pk, "agree": comment.agree_count, "disagree": comment.disagree_count}
