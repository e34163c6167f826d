"""The one place where user text is sanitised (nh3, the Rust ammonia library).

Residents write plain text. We store plain text with markup removed and control characters
dropped, and escape it on the way out (templates autoescape; ``render_plain_text`` adds
paragraphs and links). Editors' limited HTML, where we allow it, goes through ``clean_html``.
"""

from __future__ import annotations

import re
import unicodedata

import nh3
from django.utils.html import escape, urlize
from django.utils.safestring import SafeString, mark_safe

_HTML_CLEANER = nh3.Cleaner(
    tags={"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote"},
    attributes={"a": {"href"}},
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow ugc noopener",
    strip_comments=True,
)
_TEXT_CLEANER = nh3.Cleaner(tags=set(), attributes={}, strip_comments=True)

# Bidirectional overrides and zero-width characters can disguise text; tabs/newlines stay.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_BLANK_LINES = re.compile(r"\n{3,}")


def _strip_controls(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cs", "Co"}
    )


def clean_plain_text(text: str | None) -> str:
    """Plain text to store: tags removed (their text kept), controls dropped, entities decoded."""
    if not text:
        return ""
    text = _strip_controls(unicodedata.normalize("NFC", str(text)))
    text = nh3.clean(text, tags=set(), attributes={}) if "<" in text else text
    # nh3 escapes &, < and > in text nodes; stored text is unescaped, templates escape it again.
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def clean_html(html: str | None) -> str:
    """Limited HTML (paragraphs, emphasis, lists, links) with every attribute and scheme checked."""
    if not html:
        return ""
    return _HTML_CLEANER.clean(_strip_controls(str(html)))


def render_plain_text(text: str | None) -> SafeString:
    """Stored plain text as HTML: escaped, paragraphs and line breaks, http(s) links that
    carry ``rel="nofollow ugc noopener"``."""
    if not text:
        return mark_safe("")
    paragraphs = [p for p in str(text).split("\n\n") if p.strip()]
    parts = []
    for paragraph in paragraphs:
        linked = urlize(escape(paragraph.strip()), nofollow=False, autoescape=False)
        parts.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    # The cleaner adds rel="nofollow ugc noopener" and makes sure nothing else survives.
    return mark_safe(_HTML_CLEANER.clean("".join(parts)))
