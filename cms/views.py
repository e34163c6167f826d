"""Site search: pages, surveys and comments the reader may see, grouped by kind."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.http import urlencode

from cms import page_cache
from cms import search as site_search


def search(request):
    """Search by text. Without ``kind`` every kind shows its first results with a link to all;
    with ``kind`` that kind alone, ten to a page. Anonymous answers come from the page cache."""
    query = site_search.clean_query(request.GET.get("q", ""))
    kind = request.GET.get("kind")
    kind = kind if kind in site_search.KINDS else None
    page = site_search.page_number(request.GET.get("page"))

    cacheable = bool(query) and page_cache.is_cacheable_request(request, with_query=True)
    if cacheable:
        variant = "\n".join([query, kind or "", str(page)])
        # Read before the results, so a change committed meanwhile retires what is stored.
        generation = page_cache.current_generation()
        versions = page_cache.current_versions([page_cache.SEARCH])
        hit = page_cache.cached_response(request, generation, variant)
        if hit is not None:
            return hit

    groups = site_search.search(request, query, kind=kind, page=page) if query else []
    context = {
        "search_query": query,
        "kind": kind,
        "groups": groups,
        "total": sum(group.count for group in groups),
        "query_string": urlencode({"q": query, "kind": kind} if kind else {"q": query}),
        "overview_url": "?" + urlencode({"q": query}),
    }
    response = render(request, "cms/search.html", context)
    if cacheable:
        page_cache.store_when_rendered(request, response, generation, versions, variant)
    return response
