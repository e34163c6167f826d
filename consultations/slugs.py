"""Slugs from titles, the German way: "Straßenfest Süd" becomes ``strassenfest-sued``.

Django's ``slugify`` drops the umlauts' dots ("sud") and Wagtail's keeps them ("süd") or drops
them in the browser ("sud"); German readers expect the spelling they would type without
umlauts. The one table below serves the server (``german_slugify``) and the admin's slug
fields in the browser (``SLUG_FORMATTERS``, read by Wagtail's slug widget), so both agree.
"""

from __future__ import annotations

from django.utils.text import slugify

GERMAN_TRANSLITERATION = {
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "ß": "ss",
    "Ä": "Ae",
    "Ö": "Oe",
    "Ü": "Ue",
    "ẞ": "Ss",
}

# Wagtail's SlugInput applies these (pattern, replacement) pairs before it turns a title into
# a slug (``wagtail.admin.widgets.slug.SlugInput(formatters=...)``).
SLUG_FORMATTERS = list(GERMAN_TRANSLITERATION.items())


def german_slugify(text: str, *, max_length: int | None = None) -> str:
    """A lowercase ASCII slug of ``text`` with German transliteration (ä → ae, ö → oe,
    ü → ue, ß → ss); other accents lose their marks (é → e). Empty when nothing is left."""
    spelled = "".join(GERMAN_TRANSLITERATION.get(char, char) for char in text or "")
    slug = slugify(spelled)
    if max_length is not None:
        slug = slug[:max_length].rstrip("-")
    return slug


def unique_slug(base: str, taken, *, max_length: int = 200) -> str:
    """``base``, or ``base-2``, ``base-3`` … : the first one ``taken(slug)`` says is free."""
    base = base[:max_length].rstrip("-")
    candidate, number = base, 1
    while taken(candidate):
        number += 1
        suffix = f"-{number}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
    return candidate
