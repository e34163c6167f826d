"""Site search over the live, public pages of the current site."""

from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.http import urlencode
from wagtail.models import Page, Site

from cms.models import ConsultationPage
from consultations.selectors import visible_consultations

RESULTS_PER_PAGE = 10
MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 12


def search_terms(query: str) -> str:
    """The words of a query, without the quotes, operators and control characters that the
    database's full-text syntax would choke on (a lone '"' made SQLite's FTS fail)."""
    return " ".join(re.findall(r"\w+", query)[:MAX_QUERY_TERMS])


def searchable_pages(request):
    """Live, public pages of this site, minus consultation pages the person may not see."""
    pages = Page.objects.live().public()
    site = Site.find_for_request(request)
    if site is not None:
        pages = pages.in_site(site)
    hidden = list(
        ConsultationPage.objects.exclude(
            consultation__in=visible_consultations(request.user).values("pk")
        ).values_list("pk", flat=True)
    )
    if hidden:
        pages = pages.exclude(id__in=hidden)
    return pages


def search(request):
    """Search pages by text; the query stays in the field, results come ten to a page."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    results = None
    terms = search_terms(query)
    if query:
        found = searchable_pages(request).search(terms) if terms else Page.objects.none()
        paginator = Paginator(found, RESULTS_PER_PAGE)
        results = paginator.get_page(request.GET.get("page"))
        # One query for the specific pages of this result page (for their teaser text).
        specific = Page.objects.filter(pk__in=[page.pk for page in results]).specific()
        by_pk = {page.pk: page for page in specific}
        results.object_list = [by_pk.get(page.pk, page) for page in results]
    context = {
        "search_query": query,
        "results": results,
        "pagination_query": urlencode({"q": query}),
    }
    return render(request, "cms/search.html", context)
