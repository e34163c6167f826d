"""Notices are data, rendered for the reader: the registry of notice kinds and the renderer.

A ``Notification`` row holds a kind, a recipient, what it is about (``target``) and the facts
(``params``: codes, dates, the moderators' note), in no language. Each module registers its
kinds here from its own files (the discussion module: ``consultations/modules/
discussion_notices.py``), and lists their names in its ``ModuleType.notification_kinds``. A
kind has one template, ``consultations/notices/<kind>.html``, rendered when the notice is read
in the reader's language, and optionally a function that gives the template more context from
the target (a link, a title): so a link is reversed then, not when the notice was written, and
a consultation renamed since shows its new name.

The on-site list renders in the language of the page; the worker (e-mail, later) and the
personal-data export use the recipient's stored ``User.language``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.safestring import SafeString

LEGACY_TEXT = "legacy_text"
LEGACY_URL = "legacy_url"


@dataclass(frozen=True)
class NoticeKind:
    """A kind of notice a module sends (``name`` is ``area_what``, stored on the row)."""

    name: str
    title: str | Promise
    """What the list shows as the notice's heading (a lazy translation)."""
    template: str
    """The one template that renders a notice of this kind (``notices/<name>.html``)."""
    context: Callable[[object], dict] | None = None
    """``context(notification) -> dict``: what the template needs beyond ``params`` and
    ``target``, computed at read time (``url``: where the notice leads)."""


_kinds: dict[str, NoticeKind] = {}


def register(kind: NoticeKind) -> NoticeKind:
    """Add a notice kind (from the module's own file, imported by its registration)."""
    if kind.name in _kinds and _kinds[kind.name] != kind:
        raise ValueError(f"A notice kind {kind.name!r} is already registered.")
    _kinds[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    _kinds.pop(name, None)


def kind(name: str) -> NoticeKind | None:
    return _kinds.get(name)


def registered() -> list[NoticeKind]:
    return list(_kinds.values())


@dataclass(frozen=True)
class RenderedNotice:
    """One notice as one reader reads it."""

    notification: object
    title: str
    body: SafeString
    url: str

    @property
    def text(self) -> str:
        """The body as plain text (exports, e-mail): tags dropped, entities decoded."""
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", self.body)).split())


def unread_count(user_id: int) -> int:
    """How many of a person's notices they have not marked as read."""
    from consultations.models import Notification

    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def param_datetime(value) -> datetime | None:
    """A date stored in ``params`` (ISO 8601) as an aware datetime, or None."""
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def render(notification, *, language: str | None = None) -> RenderedNotice:
    """The notice in ``language`` (default: the recipient's ``User.language``).

    Unknown kinds (a module removed since) and notices from before notices were data render
    their stored text, or a neutral line: a person's list never breaks.
    """
    if language is None:
        language = notification.recipient.language
    with translation.override(language):
        params = notification.params if isinstance(notification.params, dict) else {}
        registered_kind = _kinds.get(notification.kind)
        if LEGACY_TEXT in params or registered_kind is None:
            context = {
                "params": params,
                "text": str(params.get(LEGACY_TEXT, "")),
                "url": _local_url(params.get(LEGACY_URL, "")),
            }
            template = "consultations/notices/_legacy.html"
            title = registered_kind.title if registered_kind else translation.gettext("Notice")
        else:
            context = {"params": params, "target": notification.target, "url": ""}
            if registered_kind.context is not None:
                context.update(registered_kind.context(notification))
            template = registered_kind.template
            title = registered_kind.title
        body = render_to_string(template, {**context, "notification": notification}).strip()
        return RenderedNotice(
            notification=notification,
            title=str(title),
            body=SafeString(body),
            url=context.get("url") or "",
        )


def _local_url(value) -> str:
    """Only site-local paths from stored data become links."""
    value = str(value or "")
    return value if value.startswith("/") and not value.startswith("//") else ""
