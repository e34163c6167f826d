"""The discussion module's notice kinds: what moderation did to a person's comment, and blocks.

Written by ``consultations.actions.comment_effects.notify_author`` and
``consultations.actions.moderation.block_user``; rendered at read time (``consultations.notices``).
Parameters: ``reason`` (a ``RemovalReason`` code), ``note`` (the moderators' note to the
person, plain text), ``until`` (ISO 8601 or null).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consultations.notices import NoticeKind, param_datetime, register

COMMENT_HIDDEN = "comment_hidden"
COMMENT_RESTORED = "comment_restored"
COMMENT_APPROVED = "comment_approved"
BLOCKED = "blocked"


def reason_label(code) -> str:
    """A stored reason code in the reader's language ("" for none or an unknown code)."""
    from consultations.models import RemovalReason

    return str(RemovalReason(code).label) if code in RemovalReason.values else ""


def _comment_context(notification) -> dict:
    return {
        "url": reverse("comment_permalink", args=[notification.target_id])
        if notification.target_id is not None and notification.target is not None
        else "",
        "reason": reason_label(notification.params.get("reason")),
    }


def _block_context(notification) -> dict:
    from consultations.links import consultation_url

    consultation = notification.target
    return {
        "consultation": consultation,
        "url": (consultation_url(consultation) or "") if consultation is not None else "",
        "until": param_datetime(notification.params.get("until")),
        "reason": reason_label(notification.params.get("reason")),
    }


KINDS = frozenset(
    register(kind).name
    for kind in (
        NoticeKind(
            COMMENT_HIDDEN,
            _("your comment was removed"),
            "consultations/notices/comment_hidden.html",
            _comment_context,
        ),
        NoticeKind(
            COMMENT_RESTORED,
            _("your comment was restored"),
            "consultations/notices/comment_restored.html",
            _comment_context,
        ),
        NoticeKind(
            COMMENT_APPROVED,
            _("your comment was published"),
            "consultations/notices/comment_approved.html",
            _comment_context,
        ),
        NoticeKind(
            BLOCKED,
            _("you were blocked"),
            "consultations/notices/blocked.html",
            _block_context,
        ),
    )
)
