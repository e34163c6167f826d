"""Rendered comments for discussion pages: the shared fragment (``payloads.comment_fragment``,
the one the live events carry) cached per comment version and language, and the viewer's
controls in it switched on by the server, as ``static/js/discussion.js`` does in the browser
for a live fragment.

Rendering ``_comment.html`` for each of the forty-odd comments on a page was most of a big
discussion page's time. The shared fragment is the same for every viewer, so it is rendered
once per version of a comment and language and kept in the cache; what differs between viewers
(their CSRF token, a fresh idempotency key, their own reaction, which controls they get) is a
few string operations on it. The viewer's page reads exactly as if the template had been
rendered for them, and works without JavaScript.

Some comments read differently for some viewers in ways the shared fragment cannot carry:
held comments (only their author sees them), the removed text of a hidden comment (its author)
and everything a moderator sees (open reports, decisions). Those are rendered for the viewer,
as before: ``for_viewer`` leaves them without ``page_html`` and the template renders them.

The version of a comment is everything the shared fragment shows of it (``_version``), and the
templates' own source: a changed comment or a deployed template change gets a new key, and old
keys simply expire. Nothing here needs retiring.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.cache import caches
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.safestring import mark_safe

from consultations import payloads
from consultations.models import Comment

FRAGMENT_SECONDS = 24 * 60 * 60
TEMPLATES = (
    "consultations/discussions/_comment.html",
    "consultations/moderation/_decisions.html",
)


@dataclass(frozen=True)
class Viewer:
    """What the page knows about the person looking; the same as ``discussion.js`` reads from
    the discussion section's data attributes."""

    id: str = ""
    csrf_token: str = ""
    may_comment: bool = False
    may_react: bool = False
    own_reactions: dict | None = None


@cache
def _templates_digest() -> str:
    sources = []
    for name in TEMPLATES:
        template = get_template(name)
        sources.append(getattr(getattr(template, "template", template), "source", name))
    return hashlib.sha256("\n".join(sources).encode()).hexdigest()[:12]


def _version(comment: Comment) -> str:
    author = comment.author
    parts = [
        comment.pk,
        comment.status,
        comment.text,
        comment.created.isoformat(),
        comment.edited_at.isoformat() if comment.edited_at else "",
        comment.is_pinned,
        comment.is_official,
        comment.agree_count,
        comment.disagree_count,
        comment.moderation_reason or "",
        comment.discussion_id,
        comment.thread_id or "",
        comment.author_id or "",
        author.public_name if author is not None else "",
        settings.COMMENT_EDIT_MINUTES,
        _templates_digest(),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def _key(comment: Comment, language: str) -> str:
    return f"comment-fragment:{comment.pk}:{language}:{_version(comment)}"


def _has_shared_rendering_for(comment: Comment, viewer: Viewer) -> bool:
    if comment.status == Comment.Status.PENDING:
        return False
    # A hidden comment's removed text is shown to its author (and moderators) on the page.
    own = viewer.id != "" and str(comment.author_id) == viewer.id
    return not (own and comment.status == Comment.Status.HIDDEN and comment.text)


def shared_fragments(comments: list[Comment]) -> dict[int, str]:
    """The shared fragment of each comment, in the active language, from the cache where it
    is there (one round trip), rendered and stored where not."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    keys = {_key(comment, language): comment for comment in comments}
    store = caches["default"]
    found = store.get_many(list(keys))
    missing = {}
    fragments = {}
    for key, comment in keys.items():
        html = found.get(key)
        if html is None:
            html = payloads.comment_fragment(comment, part="article")
            missing[key] = html
        fragments[comment.pk] = html
    if missing:
        store.set_many(missing, timeout=FRAGMENT_SECONDS)
    return fragments


_NEEDS = re.compile(
    r'<(?P<tag>[a-z]+)(?P<attrs>[^>]*?) data-needs="(?P<needs>[^"]+)"(?P<rest>[^>]*)>'
)
_EDIT_UNTIL = re.compile(r' data-edit-until="([^"]*)"')
_FORM_START = re.compile(r"<form\b[^>]*>")
_AUTHOR = re.compile(r'data-author="([^"]*)"')


def _element_end(html: str, tag: str, start: int) -> int:
    """Where the element whose start tag ends at ``start`` ends (after its end tag)."""
    opening = re.compile(rf"<{tag}\b|</{tag}>")
    depth = 1
    for match in opening.finditer(html, start):
        depth += -1 if match.group(0).startswith("</") else 1
        if depth == 0:
            return match.end()
    return len(html)


def _allowed(needs: str, viewer: Viewer, own: bool, edit_until: str) -> bool:
    other = viewer.id != "" and not own
    if needs == "own":
        return own
    if needs == "own-edit":
        until = parse_datetime(edit_until) if edit_until else None
        return own and viewer.may_comment and until is not None and until > timezone.now()
    if needs == "other":
        return other
    if needs == "react":
        return other and viewer.may_react
    if needs == "no-react":
        return not (other and viewer.may_react)
    if needs == "comment":
        return viewer.may_comment
    return False  # "moderate": moderators get their own rendering


def _prepare_forms(part: str, viewer: Viewer) -> str:
    token = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(viewer.csrf_token)}">'
        if viewer.csrf_token
        else ""
    )
    part = _FORM_START.sub(lambda match: match.group(0) + token, part)
    return part.replace(
        'name="idempotency_key" value=""',
        f'name="idempotency_key" value="{uuid.uuid4().hex}"',
    )


def enable_controls(html: str, viewer: Viewer, *, comment_id: int) -> str:
    """The shared fragment as the template renders it for ``viewer``: their controls on (with
    their CSRF token and a fresh idempotency key in each form, their own reaction pressed),
    everybody else's gone."""
    author = _AUTHOR.search(html)
    own = viewer.id != "" and author is not None and author.group(1) == viewer.id
    out = []
    position = 0
    for match in _NEEDS.finditer(html):
        if match.start() < position:
            continue  # inside an element already kept or dropped
        end = _element_end(html, match.group("tag"), match.end())
        out.append(html[position : match.start()])
        position = end
        rest = match.group("rest")
        until = _EDIT_UNTIL.search(match.group("attrs") + rest)
        if not _allowed(match.group("needs"), viewer, own, until.group(1) if until else ""):
            continue
        attrs = _EDIT_UNTIL.sub("", match.group("attrs") + rest).replace(" hidden", "")
        start_tag = f"<{match.group('tag')}{attrs}>"
        out.append(_prepare_forms(start_tag + html[match.end() : end], viewer))
    out.append(html[position:])
    result = "".join(out)
    mine = (viewer.own_reactions or {}).get(comment_id)
    if mine:
        result = result.replace(
            f'value="{mine}" class="reaction" aria-pressed="false"',
            f'value="{mine}" class="reaction" aria-pressed="true"',
        )
    return result


def for_viewer(comments: list[Comment], viewer: Viewer, *, moderator: bool = False) -> None:
    """Set ``page_html`` on each comment that the shared fragment can show to ``viewer``; the
    template renders the others (and every comment for a moderator) for the viewer."""
    if moderator:
        return
    shared = [comment for comment in comments if _has_shared_rendering_for(comment, viewer)]
    fragments = shared_fragments(shared)
    for comment in shared:
        html = enable_controls(fragments[comment.pk], viewer, comment_id=comment.pk)
        comment.page_html = mark_safe(html)  # the template's own output
