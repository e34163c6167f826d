"""Top-level comments come in pages (oldest, newest, most agreed first): "More comments" opens
the next page without JavaScript and loads it in place with it (``discussion_comments``, the
same rendering for the same viewer). The queries do not grow with the comments."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from consultations.actions.discussions import post_comment
from consultations.models import Comment
from consultations.selectors import COMMENTS_PER_PAGE
from tests.factories import add_big_discussion, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _memory_cache(settings):
    """These tests look inside the fragment cache: use the embedded (local-memory) cache
    whatever the run's cache is (CI runs with Redis)."""
    settings.CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "mitreden-fragment-tests",
        }
        for alias in ("default", "pages")
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


JSON = {"HTTP_ACCEPT": "application/json"}


def ids_in(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article[^>]* id="comment-(\d+)"', html)]


@pytest.fixture
def threads(discussion):
    """Top-level comments, oldest first; the later ones have more agreement."""
    authors = [make_user() for _ in range(3)]
    made = Comment.objects.bulk_create(
        Comment(discussion=discussion, author=authors[i % 3], text=f"Faden {i}", agree_count=i)
        for i in range(COMMENTS_PER_PAGE * 2 + 3)
    )
    return [c.pk for c in sorted(made, key=lambda c: (c.created, c.pk))]


@pytest.mark.parametrize(
    "sort, order",
    [("oldest", 1), ("newest", -1), ("supported", -1)],
)
def test_more_comments_opens_the_next_page_without_javascript(
    client, discussion, threads, sort, order
):
    expected = threads[::order]
    url = reverse("discussion_detail", args=[discussion.pk])
    first = client.get(url, {"sort": sort}).content.decode()
    assert ids_in(first) == expected[:COMMENTS_PER_PAGE]
    more = re.search(r'<a href="([^"]+)" rel="next"\s+data-more="([^"]+)"', first)
    assert more, first
    link, in_place = (value.replace("&amp;", "&") for value in more.groups())
    assert link == f"?sort={sort}&page=2#discussion-{discussion.pk}-comments"
    assert in_place == reverse("discussion_comments", args=[discussion.pk]) + f"?sort={sort}&page=2"
    assert "Weitere Kommentare" in first

    second = client.get(url + link.split("#")[0]).content.decode()
    assert ids_in(second) == expected[COMMENTS_PER_PAGE : 2 * COMMENTS_PER_PAGE]
    assert 'rel="prev"' in second and 'rel="next"' in second


def test_more_comments_loads_in_place_with_the_link_to_the_page_after(client, discussion, threads):
    url = reverse("discussion_comments", args=[discussion.pk])
    body = client.get(url, {"sort": "oldest", "page": 2}, **JSON).json()
    assert body["page"] == 2
    assert ids_in(body["html"]) == threads[COMMENTS_PER_PAGE : 2 * COMMENTS_PER_PAGE]
    assert body["html"].startswith("<li>") and "<ol" not in body["html"].split("<article")[0]
    # In place the earlier pages stay on the page: only the way on is offered.
    assert 'rel="prev"' not in body["more"] and "page=3" in body["more"]

    last = client.get(url, {"sort": "oldest", "page": 3}, **JSON).json()
    assert ids_in(last["html"]) == threads[2 * COMMENTS_PER_PAGE :]
    assert last["more"] == ""


def test_loaded_in_place_the_viewer_gets_their_controls_and_nobody_else_s(
    client, discussion, threads, resident, neighbour
):
    held = post_comment(author=resident, discussion=discussion, text="Vollpfosten")
    Comment.objects.filter(pk=held.pk).update(status=Comment.Status.PENDING)
    url = reverse("discussion_comments", args=[discussion.pk])
    client.force_login(neighbour)
    body = client.get(url, {"sort": "oldest", "page": 3}, **JSON).json()
    assert held.pk not in ids_in(body["html"]) and "Vollpfosten" not in body["html"]
    assert "csrfmiddlewaretoken" in body["html"] and "data-needs" not in body["html"]
    client.force_login(resident)
    body = client.get(url, {"sort": "oldest", "page": 3}, **JSON).json()
    assert held.pk in ids_in(body["html"])
    assert reverse("delete_comment", args=[held.pk]) in body["html"]


def test_paging_a_private_discussion_is_not_found_for_outsiders(client, discussion, threads):
    discussion.consultation.visibility = discussion.consultation.Visibility.PRIVATE
    discussion.consultation.save()
    response = client.get(reverse("discussion_comments", args=[discussion.pk]), **JSON)
    assert response.status_code == 404


# Hard limits (issue 10): the same for 1,000 comments as for a handful.
PAGE_QUERIES_SIGNED_IN = 22
# Rendered and stored (the consultation and the next phase change read for the page cache);
# served from the page cache after that: none.
PAGE_QUERIES_ANONYMOUS = 13
PAGE_BYTES = 60 * 1024


@pytest.mark.parametrize("sort", ["oldest", "newest", "supported"])
def test_a_page_of_a_big_discussion_has_a_fixed_cost_and_size(
    client, discussion, resident, django_assert_max_num_queries, sort
):
    add_big_discussion(discussion, resident)
    url = reverse("discussion_detail", args=[discussion.pk])
    client.get(url)  # first requests create settings rows and fill the site's own caches
    with django_assert_max_num_queries(PAGE_QUERIES_ANONYMOUS):
        response = client.get(url, {"sort": sort, "page": 3})
    assert len(response.content) <= PAGE_BYTES
    with django_assert_max_num_queries(0):
        assert client.get(url, {"sort": sort, "page": 3}).content == response.content
    client.force_login(resident)
    client.get(url, {"sort": sort})
    for cached in (False, True):  # the fragments rendered, then from the cache
        if not cached:  # the local-memory cache of the tests: keys are ":1:<key>"
            cache.delete_many([k[3:] for k in list(cache._cache) if "comment-fragment:" in k])
        with django_assert_max_num_queries(PAGE_QUERIES_SIGNED_IN):
            response = client.get(url, {"sort": sort})
        assert response.status_code == 200 and len(response.content) <= PAGE_BYTES
    with django_assert_max_num_queries(PAGE_QUERIES_SIGNED_IN):
        body = client.get(
            reverse("discussion_comments", args=[discussion.pk]), {"sort": sort, "page": 2}, **JSON
        )
    assert len(body.content) <= PAGE_BYTES
