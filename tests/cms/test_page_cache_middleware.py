"""The fast path: stored pages are served before Wagtail routes the URL, to anonymous readers
only, and only while everything that decided what they may see is unchanged."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction

from cms import page_cache
from consultations import realtime
from consultations.actions.discussions import post_comment, react
from consultations.models import Consultation
from tests.cms.conftest import add_consultation_page, cache_state
from tests.factories import make_consultation, make_discussion, make_user

pytestmark = pytest.mark.django_db


def headers_but_the_cache_state(response) -> dict:
    return {name: value for name, value in response.items() if name != page_cache.CACHE_HEADER}


def test_a_hit_has_the_headers_of_a_freshly_rendered_page(client, page):
    fresh = client.get(page.url)
    hit = client.get(page.url)
    assert cache_state(hit) == "hit"
    assert headers_but_the_cache_state(hit) == headers_but_the_cache_state(fresh)
    assert hit["Content-Type"] == "text/html; charset=utf-8"
    assert hit["Content-Language"] == "de"
    assert "Content-Security-Policy" in hit
    assert hit.content == fresh.content


def test_head_requests_are_answered_from_the_cache_without_a_body(client, page):
    client.get(page.url)
    response = client.head(page.url)
    assert cache_state(response) == "hit"
    assert response.content == b""


def test_a_consultation_page_hit_reads_nothing_from_the_database(
    client, consultation_index, django_assert_num_queries
):
    consultation = make_consultation()
    discussion = make_discussion(consultation)
    page = add_consultation_page(
        consultation_index, consultation, body=[("discussion", {"discussion": discussion})]
    )
    client.get(page.url)
    # Neither the consultation (permission), nor the newest live event, nor the reactions.
    with django_assert_num_queries(0):
        assert cache_state(client.get(page.url)) == "hit"


def test_a_live_event_retires_only_its_own_consultation_s_page(client, consultation_index):
    consultation = make_consultation()
    page = add_consultation_page(consultation_index, consultation)
    other_page = add_consultation_page(consultation_index, make_consultation())
    for item in (page, other_page):
        client.get(item.url)
        assert cache_state(client.get(item.url)) == "hit"

    with transaction.atomic():
        event = realtime.broadcast_on_commit(
            realtime.consultation_group(consultation.pk), "consultation.updated", {}
        )

    response = client.get(page.url)
    assert cache_state(response) == "miss"
    assert f'data-live-last-event="{event.pk}"' in response.content.decode()
    assert cache_state(client.get(page.url)) == "hit"
    assert cache_state(client.get(other_page.url)) == "hit"


def test_a_comment_re_renders_its_consultation_s_page_and_leaves_the_others_warm(
    client, consultation_index
):
    pages, discussions = [], []
    for _ in range(2):
        consultation = make_consultation()
        discussions.append(make_discussion(consultation))
        pages.append(
            add_consultation_page(
                consultation_index,
                consultation,
                body=[("discussion", {"discussion": discussions[-1]})],
            )
        )
        client.get(pages[-1].url)

    post_comment(author=make_user(), discussion=discussions[0], text="Ganz neu hier")

    response = client.get(pages[0].url)
    assert cache_state(response) == "miss"
    assert "Ganz neu hier" in response.content.decode()
    assert cache_state(client.get(pages[1].url)) == "hit"


def test_an_event_of_a_stream_without_a_known_consultation_retires_every_consultation_page(
    client, consultation_index
):
    # A module that has not said which consultation its streams belong to is not left stale.
    page = add_consultation_page(consultation_index)
    client.get(page.url)
    with transaction.atomic():
        realtime.broadcast_on_commit("survey.1", "survey.answered", {})
    assert cache_state(client.get(page.url)) == "miss"


def test_live_events_are_announced_to_the_cache_again_after_commit(
    client, consultation_index, django_capture_on_commit_callbacks
):
    # Another process may render the page between the event and its commit.
    page = add_consultation_page(consultation_index)
    group = realtime.consultation_group(page.consultation_id)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        realtime.broadcast_on_commit(group, "consultation.updated", {})
    client.get(page.url)
    assert cache_state(client.get(page.url)) == "hit"
    for callback in callbacks:
        callback()
    assert cache_state(client.get(page.url)) == "miss"


def test_pruning_leaves_the_consultation_page_and_its_position_valid(client, consultation_index):
    # The page embeds its stream's position; pruning does not change it (the stream remembers
    # how far it was pruned), so the stored copy stays and its live script catches up from it.
    page = add_consultation_page(consultation_index)
    group = realtime.consultation_group(page.consultation_id)
    with transaction.atomic():
        event = realtime.broadcast_on_commit(group, "consultation.updated", {})
    client.get(page.url)
    realtime.LiveEvent.objects.update(created=timezone.now() - timedelta(days=2))
    assert realtime.prune_events() == 1
    response = client.get(page.url)
    assert cache_state(response) == "hit"
    assert f'data-live-last-event="{event.pk}"' in response.content.decode()
    assert realtime.events_since(group, event.pk) == []


def test_reactions_retire_only_their_own_consultation_s_page(client, consultation_index):
    consultation, other = make_consultation(), make_consultation()
    pages = []
    for item in (consultation, other):
        discussion = make_discussion(item)
        pages.append(
            add_consultation_page(
                consultation_index, item, body=[("discussion", {"discussion": discussion})]
            )
        )
    comment = post_comment(
        author=make_user(), discussion=consultation.discussions.get(), text="Zustimmung?"
    )
    for page in pages:
        client.get(page.url)
    react(user=make_user(), comment=comment, value="agree")
    assert cache_state(client.get(pages[0].url)) == "miss"
    assert cache_state(client.get(pages[1].url)) == "hit"


def test_publishing_retires_the_fast_path_copy(client, page):
    client.get(page.url)
    assert cache_state(client.get(page.url)) == "hit"
    page.intro = "Neue Einleitung"
    page.save_revision().publish()
    response = client.get(page.url)
    assert cache_state(response) == "miss"
    assert "Neue Einleitung" in response.content.decode()


def test_logged_in_people_are_routed_by_wagtail(client, page):
    Client().get(page.url)
    client.force_login(make_user(pseudonym="Erkennbar"))
    response = client.get(page.url)
    assert cache_state(response) is None
    assert "Erkennbar" in response.content.decode()


def test_messages_waiting_in_the_session_bypass_the_cache(client, page):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.session import SessionStorage

    Client().get(page.url)
    session = client.session
    request = RequestFactory().get("/")
    request.session = session
    session["_messages"] = SessionStorage(request).serialize_messages(
        [Message(constants.SUCCESS, "Gespeichert.")]
    )
    session.save()
    assert cache_state(client.get(page.url)) is None


def test_other_methods_are_never_answered_from_the_cache(client, page):
    client.get(page.url)
    assert cache_state(client.post(page.url)) is None
    assert cache_state(client.options(page.url)) is None


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/django-admin/", "/konto/login/", "/suche/", "/media/bild.png", "/static/x.css"],
)
def test_only_urls_of_wagtail_pages_are_looked_up(client, home, path):
    # Even a stored entry under such a path (which the page view never writes) is not served.
    request = RequestFactory().get(path)
    request.LANGUAGE_CODE = "de"
    cache.set(
        page_cache._key(request, page_cache.current_generation()),
        {"content": b"planted", "content_type": "text/html", "versions": {}},
    )
    response = client.get(path)
    assert cache_state(response) is None
    assert b"planted" not in getattr(response, "content", b"")


def test_pages_with_a_password_are_never_stored(client, page):
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="geheim"
    )
    restriction = PageViewRestriction.objects.get(page=page)
    client.post(
        reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk]),
        {"password": "geheim", "return_url": page.url},
    )
    for _ in range(2):
        response = client.get(page.url)
        assert cache_state(response) is None
        assert "Alte Einleitung" in response.content.decode()
    stranger = Client().get(page.url)
    assert cache_state(stranger) is None
    assert "Alte Einleitung" not in stranger.content.decode()


def test_a_restriction_added_later_retires_the_stored_copy(client, page):
    client.get(page.url)
    assert cache_state(client.get(page.url)) == "hit"
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(page.url)
    assert response.status_code == 302
    assert cache_state(response) is None


def test_a_consultation_made_private_is_no_longer_served(client, consultation_index):
    consultation = make_consultation()
    page = add_consultation_page(consultation_index, consultation)
    client.get(page.url)
    assert cache_state(client.get(page.url)) == "hit"
    consultation.visibility = Consultation.Visibility.PRIVATE
    consultation.save()
    assert client.get(page.url).status_code == 404


def test_private_consultation_pages_are_never_stored(consultation_index):
    page = add_consultation_page(
        consultation_index, make_consultation(visibility=Consultation.Visibility.PRIVATE)
    )
    assert not page.can_cache_for_anonymous()
