"""Discussion pages build their comments from the shared fragment cached per comment version
and language (consultations/fragments.py), with the viewer's controls switched on by the server.
The page must read exactly as the template rendered for the viewer, and a cached fragment must
never carry a held comment's text, a moderator's controls or one person's CSRF token to
another."""

from __future__ import annotations

import pickle
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from consultations import fragments
from consultations.actions.discussions import delete_comment, edit_comment, post_comment, react
from consultations.actions.moderation import hide_comment
from consultations.models import Comment
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sent")]


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


SECRET = "Geheim-3c9e"


def articles(html: str) -> dict[int, str]:
    found = re.findall(r'(<article[^>]* id="comment-(\d+)".*?</article>)', html, re.S)
    return {int(pk): article for article, pk in found}


def normalised(article: str) -> str:
    """Whitespace between tags, and the values that differ on every rendering, left out."""
    article = re.sub(r'name="idempotency_key" value="[0-9a-f]+"', 'name="idempotency_key"', article)
    article = re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', article
    )
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", article)).strip()


def cached_fragments() -> list[str]:
    """The stored fragments' markup, every viewer's parts included. The local-memory cache
    of the tests keeps pickled values."""
    splits = [pickle.loads(v) for key, v in cache._cache.items() if "comment-fragment:" in key]
    return ["".join(p if isinstance(p, str) else p[1] for p in split.parts) for split in splits]


@pytest.fixture
def comments(settings, discussion, resident, neighbour, moderator):
    settings.COMMENT_RATE_PER_MINUTE = settings.COMMENT_RATE_PER_HOUR = 100
    mine = post_comment(author=resident, discussion=discussion, text="Von Anna")
    theirs = post_comment(author=neighbour, discussion=discussion, text="Von Ben")
    reply = post_comment(author=neighbour, discussion=discussion, text="Antwort", reply_to=mine)
    react(user=resident, comment=theirs, value="agree")
    removed = post_comment(author=neighbour, discussion=discussion, text=SECRET)
    hide_comment(moderator=moderator, comment=removed, reason="off_topic")
    gone = post_comment(author=resident, discussion=discussion, text="Weg")
    delete_comment(author=resident, comment=gone)
    return [mine, theirs, reply, removed, gone]


@pytest.mark.parametrize("viewer", ["anonymous", "resident", "neighbour", "stranger", "moderator"])
def test_the_page_reads_as_the_template_rendered_for_the_viewer(
    client, discussion, comments, viewer, request, monkeypatch
):
    if viewer != "anonymous":
        person = make_user() if viewer == "stranger" else request.getfixturevalue(viewer)
        client.force_login(person)
    url = reverse("discussion_detail", args=[discussion.pk])
    client.get(url)  # fills the cache
    cached = articles(client.get(url).content.decode())
    monkeypatch.setattr(fragments, "for_viewer", lambda *args, **kwargs: None)
    rendered = articles(client.get(url).content.decode())
    assert sorted(cached) == sorted(rendered) and len(cached) == len(comments)
    for pk in rendered:
        assert normalised(cached[pk]) == normalised(rendered[pk]), pk


def test_one_fragment_serves_every_viewer_with_their_own_token(
    discussion, comments, resident, neighbour
):
    url = reverse("discussion_detail", args=[discussion.pk])
    pages = {}
    for person in (resident, neighbour):
        client = Client()
        client.force_login(person)
        pages[person.pk] = client.get(url).content.decode()
    # Every public comment once per language, whoever asked first.
    assert len(cached_fragments()) == 5
    tokens = {
        pk: set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
        for pk, html in pages.items()
    }
    assert all(len(found) == 1 for found in tokens.values())
    assert tokens[resident.pk].isdisjoint(tokens[neighbour.pk])
    # Anna's own reaction is pressed on her page only.
    theirs = comments[1].pk
    assert 'aria-pressed="true"' in articles(pages[resident.pk])[theirs]
    assert 'aria-pressed="true"' not in articles(pages[neighbour.pk])[theirs]


def test_held_and_removed_text_and_moderators_controls_are_never_cached(
    client, discussion, comments, resident, neighbour, moderator
):
    held = post_comment(author=neighbour, discussion=discussion, text=f"{SECRET} wartet")
    Comment.objects.filter(pk=held.pk).update(status=Comment.Status.PENDING)
    url = reverse("discussion_detail", args=[discussion.pk])
    for person in (neighbour, moderator):  # who may read the held and the removed text
        client.force_login(person)
        assert SECRET in client.get(url).content.decode()
    assert cached_fragments() and not any(SECRET in html for html in cached_fragments())
    client.force_login(resident)
    html = client.get(url).content.decode()
    assert SECRET not in html and held.pk not in articles(html)
    assert "comment__moderation" not in html and 'value="hide"' not in html
    client.logout()
    html = client.get(url).content.decode()
    assert SECRET not in html and "csrfmiddlewaretoken" not in html


def test_a_changed_comment_is_rendered_anew_in_each_language(
    client, discussion, comments, resident, neighbour, moderator
):
    url = reverse("discussion_detail", args=[discussion.pk])
    client.force_login(neighbour)
    assert "Zustimmung" in client.get(url).content.decode()
    english = Client()
    english.force_login(neighbour)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert ">Agree <" in english.get(url).content.decode()
    # Ben's removed comment shows him its text: rendered for him, not from the cache.
    assert len(cached_fragments()) == 2 * 4
    mine = comments[0]
    edit_comment(editor=resident, comment=mine, text="Von Anna, geändert")
    html = client.get(url).content.decode()
    assert "Von Anna, geändert" in articles(html)[mine.pk]
    hide_comment(moderator=moderator, comment=Comment.objects.get(pk=mine.pk), reason="off_topic")
    article = articles(client.get(url).content.decode())[mine.pk]
    assert "geändert" not in article and "data-tombstone" in article
