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
    # "s1": the shape of what is stored (``Split``); change it when that changes.
    return f"comment-fragment:s1:{comment.pk}:{language}:{_version(comment)}"


def _has_shared_rendering_for(comment: Comment, viewer: Viewer) -> bool:
    if comment.status == Comment.Status.PENDING:
        return False
    # A hidden comment's removed text is shown to its author (and moderators) on the page.
    own = viewer.id != "" and str(comment.author_id) == viewer.id
    return not (own and comment.status == Comment.Status.HIDDEN and comment.text)


@dataclass(frozen=True)
class Split:
    """A shared fragment taken apart once, when rendered, so that switching it on for a viewer
    is a join: the markup everybody gets, and the parts that depend on the viewer (what they
    need, their markup with the ``data-needs`` mark and ``hidden`` gone and places for the CSRF
    token and the idempotency key, and when "Edit" stops being offered)."""

    author: str
    parts: tuple  # str | tuple[needs, markup, edit_until]


# Places in a part's markup, filled per viewer (neither can occur in rendered HTML).
_CSRF_PLACE = "\x00csrf\x00"
_KEY_PLACE = "\x00key\x00"


def shared_fragments(comments: list[Comment]) -> dict[int, Split]:
    """The shared fragment of each comment, in the active language, from the cache where it
    is there (one round trip), rendered and stored where not."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    keys = {_key(comment, language): comment for comment in comments}
    store = caches["default"]
    found = store.get_many(list(keys))
    missing = {}
    fragments = {}
    for key, comment in keys.items():
        split = found.get(key)
        if split is None:
            split = missing[key] = split_fragment(
                payloads.comment_fragment(comment, part="article")
            )
        fragments[comment.pk] = split
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


def split_fragment(html: str) -> Split:
    """Take a shared fragment apart at the elements marked ``data-needs``."""
    author = _AUTHOR.search(html)
    parts: list = []
    position = 0
    for match in _NEEDS.finditer(html):
        if match.start() < position:
            continue  # inside an element already taken out
        end = _element_end(html, match.group("tag"), match.end())
        parts.append(html[position : match.start()])
        position = end
        attrs = match.group("attrs") + match.group("rest")
        until = _EDIT_UNTIL.search(attrs)
        attrs = _EDIT_UNTIL.sub("", attrs).replace(" hidden", "")
        markup = f"<{match.group('tag')}{attrs}>" + html[match.end() : end]
        markup = _FORM_START.sub(lambda form: form.group(0) + _CSRF_PLACE, markup)
        markup = markup.replace(
            'name="idempotency_key" value=""', f'name="idempotency_key" value="{_KEY_PLACE}"'
        )
        parts.append((match.group("needs"), markup, until.group(1) if until else ""))
    parts.append(html[position:])
    return Split(author=author.group(1) if author else "", parts=tuple(parts))


def enable_controls(split: Split, viewer: Viewer, *, comment_id: int) -> str:
    """The shared fragment as the template renders it for ``viewer``: their controls on (with
    their CSRF token and a fresh idempotency key in each form, their own reaction pressed),
    everybody else's gone."""
    own = viewer.id != "" and split.author == viewer.id
    token = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(viewer.csrf_token)}">'
        if viewer.csrf_token
        else ""
    )
    mine = (viewer.own_reactions or {}).get(comment_id)
    out = []
    for part in split.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        needs, markup, until = part
        if not _allowed(needs, viewer, own, until):
            continue
        markup = markup.replace(_CSRF_PLACE, token)
        if _KEY_PLACE in markup:
            markup = markup.replace(_KEY_PLACE, uuid.uuid4().hex)
        if needs == "react" and mine:
            markup = markup.replace(
                f'value="{mine}" class="reaction" aria-pressed="false"',
                f'value="{mine}" class="reaction" aria-pressed="true"',
            )
        out.append(markup)
    return "".join(out)


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
