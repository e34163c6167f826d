"""Who the site is: the name it greets with, where it lives, and the names nobody may take.

The town's own settings belong to ``cms``, which ``consultations`` must not import. ``cms``
(or any other app) therefore registers a *source of site names* here in its ``ready()``; this
module reads Wagtail's ``Site`` record (Settings → Sites, "site name") and ``SITE_NAME`` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings

PRODUCT_NAME = "Mitreden"

_site_name_sources: list[Callable[[], Iterable[str]]] = []


def register_site_names(source: Callable[[], Iterable[str]]) -> Callable[[], Iterable[str]]:
    """Add a callable returning names that stand for the site (the town's name, say).

    Called at start-up by the app that owns them; the names are read on every check, so
    changes in the admin apply at once. Usable as a decorator.
    """
    _site_name_sources.append(source)
    return source


def unregister_site_names_for_tests() -> None:
    """Forget the last registered source (tests register their own and clean up)."""
    _site_name_sources.pop()


def base_url() -> str:
    """Scheme and host of the public site, without a trailing slash: ``BASE_URL``."""
    url = getattr(settings, "BASE_URL", "") or settings.WAGTAILADMIN_BASE_URL
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def base_domain() -> str:
    return urlsplit(base_url()).netloc


def _wagtail_site():
    from wagtail.models import Site

    sites = list(Site.objects.only("hostname", "site_name", "is_default_site"))
    hostname = urlsplit(base_url()).hostname
    return next((site for site in sites if site.hostname == hostname), None) or next(
        (site for site in sites if site.is_default_site), None
    )


def platform_name() -> str:
    """The name mails greet with: the Wagtail site's name, else ``SITE_NAME``, else Mitreden."""
    site = _wagtail_site()
    return (
        (site.site_name if site else "")
        or getattr(settings, "WAGTAIL_SITE_NAME", "")
        or PRODUCT_NAME
    )


def site_names() -> list[str]:
    """Every name that stands for this site: product, platform and whatever apps registered."""
    site = _wagtail_site()
    names = [
        PRODUCT_NAME,
        getattr(settings, "WAGTAIL_SITE_NAME", ""),
        site.site_name if site else "",
    ]
    for source in _site_name_sources:
        names.extend(source())
    return [name for name in dict.fromkeys(names) if name and name.strip()]
