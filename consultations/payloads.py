"""What live events say about things: small, public JSON, the same for every viewer.

Nothing personal beyond the public name. A comment travels as ``html``: the same fragment the
page renders (``_comment.html``), in its shared form (see ``comment_fragment``), so browsers may
insert it as it is; each viewer's controls in it are switched on by the browser against what
its page was given at load, and checked again by the server when used.

Viewers read different languages, whoever caused the event: words and dates are in the site's
default language, and ``translations`` holds them for the other languages (a browser uses the
one of its page, ``<html lang>``).
"""

from __future__ import annotations

import copy
import re

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from consultations.models import Comment


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


def review_reason_text(reason: str) -> str:
    """Why a comment waits for review, in the reader's language (stored as a short code:
    ``pre-moderation`` or ``word list: <entry>``)."""
    if reason == "pre-moderation":
        return _("every comment in this consultation is reviewed before publication")
    if reason.startswith("word list:"):
        return _("it contains “%(word)s” from the word list") % {
            "word": reason.removeprefix("word list:").strip()
        }
    return reason


def comment_payload(comment: Comment) -> dict:
    """The public state of a comment; ``visible: False`` means "not shown to the public"."""
    with translation.override(settings.LANGUAGE_CODE):
        payload = _comment_state(comment)
    if not payload["visible"]:
        return payload
    translations = {}
    for code, _name in settings.LANGUAGES:
        if code == settings.LANGUAGE_CODE:
            continue
        with translation.override(code):
            words = {key: value for key, value in _words(comment).items() if payload[key] != value}
        if words:
            translations[code] = words
    if translations:
        payload["translations"] = translations
    return payload


_BLANKS = re.compile(r"\s*\n\s*")


def comment_fragment(comment: Comment, *, part: str = "") -> str:
    """The comment as every viewer may see it, in the active language: the page's fragment
    without per-viewer state (no CSRF token, no idempotency key, no own reaction), with the
    controls that depend on the viewer marked ``data-needs`` and hidden. Held comments have
    none; of a removed one only the tombstone is rendered, and what only moderators know
    (open reports) is left out. ``part="article"``: the comment without the list of replies
    under a thread (pages render that list themselves)."""
    if comment.status == Comment.Status.PENDING:
        raise ValueError("a comment awaiting review has no public rendering")
    public = copy.copy(comment)
    public.open_report_count = 0
    if public.is_tombstone:
        public.text = ""
    html = render_to_string(
        "consultations/discussions/_comment.html" + (f"#{part}" if part else ""),
        {
            "comment": public,
            "shared": True,
            "is_reply": comment.thread_id is not None,
            # Tells {% csrf_token %} (in the moderators' forms) that no token belongs here.
            "csrf_token": "NOTPROVIDED",
        },
    )
    # The template's indentation, which HTML renders as one space anyway (the fragment has
    # no <pre>; its <textarea> is empty): events go to every viewer, so keep them small.
    return _BLANKS.sub("\n", html).strip()


def _words(comment: Comment) -> dict:
    """The parts of a comment's state that depend on the language."""
    created = timezone.localtime(comment.created)
    # The short format, as comments rendered by the server show it.
    words = {"created_display": formats.date_format(created, "SHORT_DATETIME_FORMAT")}
    if comment.is_tombstone:
        words["tombstone"] = tombstone_text(comment)
    else:
        words["author"] = author_name(comment)
    words["html"] = comment_fragment(comment)
    return words


def _comment_state(comment: Comment) -> dict:
    base = {
        "id": comment.pk,
        "discussion": comment.discussion_id,
        "thread": comment.thread_id,
        "reply_to": comment.reply_to_id,
    }
    if comment.status == Comment.Status.PENDING:
        return {**base, "visible": False}
    payload = {
        **base,
        "visible": True,
        "status": str(comment.status),
        "created": timezone.localtime(comment.created).isoformat(),
        "agree": comment.agree_count,
        "disagree": comment.disagree_count,
        "pinned": comment.is_pinned,
        "official": comment.is_official,
        **_words(comment),
    }
    if not comment.is_tombstone:
        payload["edited"] = comment.edited_at is not None
    return payload


def reactions_payload(comment: Comment) -> dict:
    return {"id": comment.pk, "agree": comment.agree_count, "disagree": comment.disagree_count}
