"""Where a consultation is presented to the public.

The pages that present consultations belong to the editorial side (``cms``), which
``consultations`` never imports; it registers how to find a consultation's page here instead.
"""

from __future__ import annotations

from collections.abc import Callable

_resolvers: list[Callable[[object], str | None]] = []


def register_consultation_url(resolver: Callable[[object], str | None]):
    """Register ``resolver(consultation) -> url or None`` (the first answer wins)."""
    _resolvers.append(resolver)
    return resolver


def consultation_url(consultation) -> str | None:
    """The public address of the consultation's page, or None if no page presents it."""
    for resolver in _resolvers:
        url = resolver(consultation)
        if url:
            return url
    return None
