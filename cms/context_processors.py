"""Template context shared by every public page."""

from __future__ import annotations

from django.core.cache import cache
from wagtail.models import Page, Site

from cms import page_cache

NAVIGATION_CACHE_SECONDS = 3600


def _site_links(request, site: Site) -> dict:
    """The header menu (title and URL of the home page's live, public children marked "show
    in menus") and the URL of the site's accessibility statement, which every footer links."""
    from cms.models import AccessibilityStatementPage

    key = f"cms:site-links:{page_cache.current_generation()}:{site.pk}"
    links = cache.get(key)
    if links is None:
        children = Page.objects.child_of(site.root_page).live().in_menu().public()
        items = [
            {"title": page.title, "url": page.get_url(request=request)}
            for page in children.order_by("path")
        ]
        statement = AccessibilityStatementPage.for_site(site)
        links = {
            "menu": [item for item in items if item["url"]],
            "accessibility_statement_url": statement.get_url(request=request)
            if statement
            else None,
        }
        cache.set(key, links, NAVIGATION_CACHE_SECONDS)
    return links


def navigation(request):
    """``main_navigation``: ``{title, url, active}`` for each top-level menu page, and
    ``accessibility_statement_url`` for the footer.

    Built once per site and cache generation (publishing starts a new one), then memoised on
    the request, so a page render costs at most the site lookup.
    """
    memo = getattr(request, "_mitreden_navigation", None)
    if memo is not None:
        return memo
    site = Site.find_for_request(request)
    links = _site_links(request, site) if site is not None else {"menu": []}
    path = request.path
    memo = {
        "main_navigation": [
            {
                **item,
                "active": path == item["url"]
                or (item["url"] != "/" and path.startswith(item["url"])),
            }
            for item in links["menu"]
        ],
        "accessibility_statement_url": links.get("accessibility_statement_url"),
    }
    request._mitreden_navigation = memo
    return memo
