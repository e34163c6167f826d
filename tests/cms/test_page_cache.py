"""Anonymous readers get cached pages; editors' changes and domain changes clear them."""

import pytest
from django.db import transaction
from django.test import Client

from cms import page_cache
from cms.models import ContentPage, SiteSettings
from consultations.actions.consultations import publish_results
from consultations.models import Phase
from consultations.roles import EDITORS
from tests.cms.conftest import add_consultation_page, add_page, cache_state
from tests.factories import make_consultation, make_district, make_topic, make_user

pytestmark = pytest.mark.django_db


def test_second_anonymous_request_is_a_cache_hit(client, page):
    first = client.get(page.url)
    second = client.get(page.url)
    assert cache_state(first) == "miss"
    assert cache_state(second) == "hit"
    assert second.content == first.content


def test_a_hit_is_served_before_wagtail_routes(client, page, django_assert_num_queries):
    client.get(page.url)
    # No site lookup, no page-tree queries, no view restriction check: the middleware answers.
    with django_assert_num_queries(0):
        assert cache_state(client.get(page.url)) == "hit"


def test_cached_html_is_served_even_after_a_silent_database_change(client, page):
    client.get(page.url)
    ContentPage.objects.filter(pk=page.pk).update(intro="Neue Einleitung")
    assert "Alte Einleitung" in client.get(page.url).content.decode()


def test_publishing_a_page_clears_the_cache(client, page):
    client.get(page.url)
    page.intro = "Neue Einleitung"
    page.save_revision().publish()
    response = client.get(page.url)
    assert cache_state(response) == "miss"
    assert "Neue Einleitung" in response.content.decode()


def test_publishing_another_page_clears_the_cache_too(client, page, home):
    # The navigation and lists on every page may show the other page.
    client.get(page.url)
    other = add_page(home, ContentPage(title="Neu im Menü", slug="neu", show_in_menus=True))
    other.save_revision().publish()
    response = client.get(page.url)
    assert cache_state(response) == "miss"
    assert "Neu im Menü" in response.content.decode()


def test_unpublishing_and_deleting_clear_the_cache(client, page, home):
    other = add_page(home, ContentPage(title="Zweite", slug="zweite"))
    client.get(page.url)
    other.unpublish()
    assert cache_state(client.get(page.url)) == "miss"
    assert cache_state(client.get(page.url)) == "hit"
    other.delete()
    assert cache_state(client.get(page.url)) == "miss"


def test_moving_a_page_clears_the_cache(client, page, home):
    target = add_page(home, ContentPage(title="Ziel", slug="ziel"))
    client.get(target.url)
    page.move(target, pos="last-child")
    assert cache_state(client.get(target.url)) == "miss"


def test_site_settings_change_clears_the_cache(client, page, home):
    client.get(page.url)
    settings = SiteSettings.for_site(home.get_site())
    settings.town_name = "Beispielhausen"
    settings.save()
    response = client.get(page.url)
    assert cache_state(response) == "miss"
    assert "Beispielhausen" in response.content.decode()


@pytest.mark.parametrize(
    "change",
    [
        lambda c: make_topic("Neues Thema"),
        lambda c: make_district("Neuer Bezirk"),
        lambda c: Phase.objects.filter(consultation=c).first().save(),
        lambda c: c.save(),
    ],
    ids=["topic", "district", "phase", "consultation"],
)
def test_participation_changes_clear_the_cache(client, consultation_index, change):
    consultation = make_consultation()
    page = add_consultation_page(consultation_index, consultation)
    client.get(page.url)
    assert cache_state(client.get(page.url)) == "hit"
    change(consultation)
    assert cache_state(client.get(page.url)) == "miss"


def test_published_results_reach_anonymous_readers_at_once(client, consultation_index):
    consultation = make_consultation()
    page = add_consultation_page(consultation_index, consultation)
    client.get(page.url)
    publish_results(
        editor=make_user(groups=(EDITORS,)), consultation=consultation, statement="Es wird gebaut."
    )
    response = client.get(page.url)
    assert cache_state(response) == "miss"
    assert "Es wird gebaut." in response.content.decode()


def test_logged_in_people_never_get_or_fill_the_cache(client, page):
    client.force_login(make_user())
    assert cache_state(client.get(page.url)) is None
    assert cache_state(client.get(page.url)) is None
    anonymous = Client()
    assert cache_state(anonymous.get(page.url)) == "miss"


def test_logged_in_people_do_not_get_an_anonymous_copy(client, page):
    Client().get(page.url)
    client.force_login(make_user(pseudonym="Erkennbar"))
    response = client.get(page.url)
    assert cache_state(response) is None
    assert "Erkennbar" in response.content.decode()


def test_query_strings_bypass_the_cache(client, page):
    client.get(page.url)
    assert cache_state(client.get(page.url, {"x": "1"})) is None


def test_pending_messages_bypass_the_cache(client, page):
    client.get(page.url)
    client.cookies["messages"] = "something"
    assert cache_state(client.get(page.url)) is None


def test_languages_are_cached_separately(client, page):
    german = client.get(page.url)
    client.cookies["mitreden_language"] = "en"
    english = client.get(page.url)
    assert cache_state(german) == "miss"
    assert cache_state(english) == "miss"
    assert '<html lang="en">' in english.content.decode()
    assert cache_state(client.get(page.url)) == "hit"


def test_hosts_are_cached_separately(client, page, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    client.get(page.url)
    assert cache_state(client.get(page.url, HTTP_HOST="other.example")) == "miss"


def test_404_is_not_cached(client, home):
    assert client.get("/gibt-es-nicht/").status_code == 404
    assert client.get("/gibt-es-nicht/").status_code == 404


def test_private_consultation_stays_hidden_after_a_member_viewed_it(client, consultation_index):
    from consultations.models import Consultation, ConsultationMembership
    from tests.factories import add_member

    consultation = make_consultation(visibility=Consultation.Visibility.PRIVATE)
    page = add_consultation_page(consultation_index, consultation)
    member = make_user()
    add_member(consultation, member, ConsultationMembership.Role.PARTICIPANT)
    client.force_login(member)
    assert client.get(page.url).status_code == 200
    assert Client().get(page.url).status_code == 404


def test_cache_can_be_switched_off(client, page, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get(page.url)
    assert cache_state(client.get(page.url)) is None


def test_live_changes_retire_cached_consultation_pages_but_not_others(
    client, consultation_index, page
):
    from consultations import realtime

    consultation = make_consultation()
    consultation_page = add_consultation_page(consultation_index, consultation)
    client.get(consultation_page.url)
    client.get(page.url)
    assert cache_state(client.get(consultation_page.url)) == "hit"

    with transaction.atomic():
        event = realtime.broadcast_on_commit(
            realtime.consultation_group(consultation.pk), "discussion.comment_posted", {}
        )

    response = client.get(consultation_page.url)
    assert cache_state(response) == "miss"
    assert f'data-live-last-event="{event.pk}"' in response.content.decode()
    assert cache_state(client.get(page.url)) == "hit"


def test_the_cache_is_cleared_again_after_commit(client, page, django_capture_on_commit_callbacks):
    # Another process may render the old page between the change and the commit.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page.intro = "Neu"
        page.save_revision().publish()
    generation = page_cache.current_generation()
    for callback in callbacks:
        callback()
    assert page_cache.current_generation() != generation


@pytest.mark.django_db
def test_pages_are_cached_no_longer_than_until_the_next_phase_change(settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.PAGE_CACHE_SECONDS = 600
    assert page_cache.cache_timeout() == 600  # no phases at all
    consultation = make_consultation(active="after")  # every boundary in the past
    now = timezone.now()
    assert page_cache.cache_timeout(now) == 600
    phase = consultation.phases.order_by("start").last()
    phase.end = now + timedelta(seconds=90)
    phase.save()
    assert page_cache.cache_timeout(now) == 90
    Phase.objects.filter(pk=phase.pk).update(start=now + timedelta(seconds=30))
    assert page_cache.cache_timeout(now) == 30
    assert page_cache.cache_timeout(now + timedelta(seconds=89, milliseconds=500)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [-5, 0, 1, 200, 300, 599, 900, 1200, 1799, 1800, 4000])
def test_a_cached_page_never_outlives_a_status_change(settings, offset):
    """Status badges and the status filter change by the clock: every moment a status changes
    (participation starts or ends, the last phase ends) ends the copy's lifetime."""
    from datetime import timedelta

    from django.utils import timezone

    from consultations.models import Consultation
    from consultations.phases import PhaseKind

    settings.PAGE_CACHE_SECONDS = 3600
    base = timezone.now().replace(microsecond=0)
    consultation = make_consultation(active="after")
    Phase.objects.filter(consultation=consultation).delete()
    for kind, start, end in [
        (PhaseKind.INFORMATION, 0, 300),
        (PhaseKind.PARTICIPATION, 300, 900),
        (PhaseKind.EVALUATION, 900, 1800),
    ]:
        Phase.objects.create(
            consultation=consultation,
            kind=kind,
            start=base + timedelta(seconds=start),
            end=base + timedelta(seconds=end),
        )
    consultation = Consultation.objects.get(pk=consultation.pk)
    now = base + timedelta(seconds=offset)
    timeout = page_cache.cache_timeout(now)
    stored_status = consultation.status_at(now)
    for second in range(timeout):
        assert consultation.status_at(now + timedelta(seconds=second)) == stored_status
    assert Consultation.objects.with_status(stored_status, now=now).filter(pk=consultation.pk)


# --- The discussion page (a view of consultations, cached by cms: CACHED_VIEWS) --------------


@pytest.fixture
def discussion():
    from tests.factories import make_discussion

    return make_discussion(make_consultation(title="Stadthalle"), title="Was soll werden?")


def discussion_url(discussion, query: str = "") -> str:
    from django.urls import reverse

    return reverse("discussion_detail", args=[discussion.pk]) + query


def test_anonymous_discussion_pages_are_served_from_the_cache(
    client, discussion, django_assert_num_queries
):
    from consultations.actions.discussions import post_comment

    post_comment(author=make_user(pseudonym="Anna"), discussion=discussion, text="Kultur!")
    first = client.get(discussion_url(discussion))
    assert cache_state(first) == "miss" and "Kultur!" in first.content.decode()
    with django_assert_num_queries(0):
        second = client.get(discussion_url(discussion))
    assert cache_state(second) == "hit" and second.content == first.content
    assert "csrfmiddlewaretoken" not in second.content.decode()


def test_each_sort_order_and_page_is_a_copy_of_its_own_and_other_queries_bypass(client, discussion):
    for query in ("?sort=newest", "?sort=newest&page=2", "?page=2&sort=newest"):
        client.get(discussion_url(discussion, query))
    assert cache_state(client.get(discussion_url(discussion, "?sort=newest"))) == "hit"
    assert cache_state(client.get(discussion_url(discussion, "?page=2&sort=newest"))) == "hit"
    for query in ("?sort=evil", "?page=-1", "?page=123456", "?utm=x", "?page=1&page=2"):
        client.get(discussion_url(discussion, query))
        assert cache_state(client.get(discussion_url(discussion, query))) is None, query


def test_a_comment_a_reaction_or_an_edit_of_the_discussion_retires_the_copy(
    client, discussion, django_capture_on_commit_callbacks
):
    from consultations.actions.discussions import post_comment, react

    anna, ben = make_user(pseudonym="Anna"), make_user(pseudonym="Ben")
    client.get(discussion_url(discussion))
    with django_capture_on_commit_callbacks(execute=True):
        comment = post_comment(author=anna, discussion=discussion, text="Neu hier")
    response = client.get(discussion_url(discussion))
    assert cache_state(response) == "miss" and "Neu hier" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        react(user=ben, comment=comment, value="agree")
    response = client.get(discussion_url(discussion))
    assert (
        cache_state(response) == "miss" and "<span data-agree>1</span>" in response.content.decode()
    )
    discussion.title = "Neuer Titel"
    with django_capture_on_commit_callbacks(execute=True):
        discussion.save()
    assert "Neuer Titel" in client.get(discussion_url(discussion)).content.decode()


def test_a_held_comment_never_reaches_the_anonymous_copy(client, discussion):
    from consultations.actions.discussions import post_comment
    from consultations.models import Comment

    anna = make_user(pseudonym="Anna")
    held = post_comment(author=anna, discussion=discussion, text="Geheim wartend")
    Comment.objects.filter(pk=held.pk).update(status=Comment.Status.PENDING)
    client.force_login(anna)
    assert "Geheim wartend" in client.get(discussion_url(discussion)).content.decode()
    assert cache_state(client.get(discussion_url(discussion))) is None  # never stored
    client.logout()
    anonymous = client.get(discussion_url(discussion))
    assert cache_state(anonymous) == "miss" and "Geheim wartend" not in anonymous.content.decode()


def test_a_private_discussion_is_never_stored(client, discussion):
    from consultations.models import Consultation

    consultation = discussion.consultation
    consultation.visibility = Consultation.Visibility.PRIVATE
    consultation.save()
    assert client.get(discussion_url(discussion)).status_code == 404
    assert cache_state(client.get(discussion_url(discussion))) is None
