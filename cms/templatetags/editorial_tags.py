"""Editorial content is written in one language (the site's default, German); the interface is
also offered in others. These tags tell readers and their screen readers so (WCAG 3.1.2)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.html import format_html

register = template.Library()


def editorial_language() -> str:
    """The language editors write in: the site's default language."""
    return settings.LANGUAGE_CODE.split("-")[0]


def _differs() -> bool:
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return current != editorial_language()


@register.simple_tag
def editorial_lang():
    """`` lang="de"`` on an element holding editorial content, when the reader chose another
    language for the interface; nothing otherwise (the page's own ``lang`` is right then)."""
    if _differs():
        return format_html(' lang="{}"', editorial_language())
    return ""


@register.inclusion_tag("includes/_editorial_language_note.html")
def editorial_language_note():
    """A short note, in the reader's language, that the content is not translated."""
    if not _differs():
        return {"show": False}
    info = translation.get_language_info(editorial_language())
    return {"show": True, "language_name": info["name_translated"]}
