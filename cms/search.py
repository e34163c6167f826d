"""Site search: pages, surveys and comments, each kind in a group of its own.

- **Pages** come from Wagtail's search index (database backend: FTS5 on SQLite, German
  full-text vectors on PostgreSQL), limited to live, public pages of the request's site, minus
  consultation pages the reader may not see.
- **Surveys** and **comments** are searched at query time (``consultations.selectors``), so
  what is found is exactly what the rules let the reader read now: published surveys, published
  comments in discussions the reader may see.

A query is reduced to at most ``MAX_QUERY_WORDS`` words (letters and digits): quotes,
operators and control characters never reach a full-text parser. Anonymous result pages are
stored in the page cache (``cms.page_cache``) until a page, consultation, discussion, comment
or survey changes (the ``SEARCH`` version and the generation).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, Site

from consultations import selectors

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12
PREVIEW_SIZE = 5
RESULTS_PER_PAGE = 10
MAX_PAGE_NUMBER = 1000

PAGES, SURVEYS, COMMENTS = "pages", "surveys", "comments"
KINDS = {
    PAGES: _("Pages"),
    SURVEYS: _("Surveys"),
    COMMENTS: _("Comments"),
}


def clean_query(raw: str) -> str:
    """The query as it is shown back: control and format characters removed, whitespace
    collapsed, at most ``MAX_QUERY_LENGTH`` characters."""
    printable = "".join(
        " " if ch.isspace() else ch for ch in raw if not unicodedata.category(ch).startswith("C")
    )
    return " ".join(printable.split())[:MAX_QUERY_LENGTH]


def query_words(query: str) -> list[str]:
    """The words searched for: runs of letters and digits, nothing a full-text syntax could
    read as an operator (a lone '"' once made SQLite's FTS fail)."""
    return re.findall(r"\w+", query)[:MAX_QUERY_WORDS]


def page_number(raw: str | None) -> int:
    """A page number from the query string; anything else is page 1."""
    if raw and raw.isascii() and raw.isdigit():
        return max(1, min(int(raw), MAX_PAGE_NUMBER))
    return 1


def searchable_pages(request):
    """Live, public pages of this site, minus consultation pages the person may not see."""
    from cms.models import ConsultationPage

    pages = Page.objects.live().public()
    site = Site.find_for_request(request)
    if site is not None:
        pages = pages.in_site(site)
    hidden = list(
        ConsultationPage.objects.exclude(
            consultation__in=selectors.visible_consultations(request.user).values("pk")
        ).values_list("pk", flat=True)
    )
    if hidden:
        pages = pages.exclude(id__in=hidden)
    return pages


def _with_specific_pages(pages) -> list:
    """The specific pages (for their teaser texts) in the order found, in a bounded number of
    queries: one per page type, and the consultation pages' consultations at once."""
    from cms.models import ConsultationPage

    specific = {
        page.pk: page for page in Page.objects.filter(pk__in=[p.pk for p in pages]).specific()
    }
    ordered = [specific.get(page.pk, page) for page in pages]
    consultation_pages = [page for page in ordered if isinstance(page, ConsultationPage)]
    if consultation_pages:
        prefetch_related_objects(consultation_pages, "consultation")
    return ordered


@dataclass
class ResultGroup:
    """One kind of result: how many were found and the ones shown."""

    kind: str
    count: int
    results: list = field(default_factory=list)
    page_obj: object | None = None  # when only this kind is shown, ten to a page
    all_url: str = ""  # "show all" of this kind, when the overview shows only some

    @property
    def heading(self) -> str:
        return KINDS[self.kind]

    @property
    def heading_id(self) -> str:
        return f"results-{self.kind}"


def _found(request, kind: str, words: list[str]):
    if kind == PAGES:
        return searchable_pages(request).search(" ".join(words))
    if kind == SURVEYS:
        return selectors.search_surveys(request.user, words)
    return selectors.search_comments(request.user, words)


def _prepared(kind: str, results) -> list:
    results = list(results)
    return _with_specific_pages(results) if kind == PAGES and results else results


def search(request, query: str, *, kind: str | None = None, page: int = 1) -> list[ResultGroup]:
    """The groups of results for ``query`` as this person may see them: every kind with its
    first few results, or only ``kind``, paginated. Kinds with nothing found are left out of
    the overview."""
    words = query_words(query)
    if not words:
        return []
    if kind in KINDS:
        paginator = Paginator(_found(request, kind, words), RESULTS_PER_PAGE)
        page_obj = paginator.get_page(page)
        page_obj.object_list = _prepared(kind, page_obj.object_list)
        return [
            ResultGroup(
                kind=kind,
                count=paginator.count,
                results=page_obj.object_list,
                page_obj=page_obj,
            )
        ]
    groups = []
    for each in KINDS:
        found = _found(request, each, words)
        shown = _prepared(each, found[:PREVIEW_SIZE])
        count = len(shown) if len(shown) < PREVIEW_SIZE else found.count()
        if count:
            all_url = ""
            if count > len(shown):
                all_url = "?" + urlencode({"q": query, "kind": each})
            groups.append(ResultGroup(kind=each, count=count, results=shown, all_url=all_url))
    return groups
