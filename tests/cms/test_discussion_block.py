"""The discussion block on consultation pages: what readers, residents and editors get, and
the page cache staying exact for anonymous readers."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from wagtail.test.utils.form_data import nested_form_data, streamfield

from cms import page_cache
from cms.models import ConsultationPage
from consultations.actions.discussions import post_comment, react
from consultations.roles import EDITORS
from tests.cms.conftest import add_consultation_page
from tests.factories import add_big_discussion, make_consultation, make_discussion, make_user

pytestmark = pytest.mark.django_db


def state(response):
    return response.get(page_cache.CACHE_HEADER)


@pytest.fixture
def consultation():
    return make_consultation(title="Zukunft der Stadthalle")


@pytest.fixture
def discussion(consultation):
    return make_discussion(
        consultation, title="Was soll aus der Stadthalle werden?", description="Sagen Sie es uns."
    )


@pytest.fixture
def page(consultation_index, consultation, discussion):
    return add_consultation_page(
        consultation_index,
        consultation,
        body=[
            ("heading", {"level": "h2", "text": "Worum geht es?"}),
            ("discussion", {"discussion": discussion}),
        ],
    )


@pytest.fixture
def anna():
    return make_user(pseudonym="Anna")


@pytest.fixture
def ben():
    return make_user(pseudonym="Ben")


def test_the_block_shows_the_discussion_and_its_comments(client, page, discussion, anna, ben):
    first = post_comment(author=anna, discussion=discussion, text="Ein Kulturzentrum!")
    post_comment(author=ben, discussion=discussion, text="Gute Idee.", reply_to=first)
    html = client.get(page.url).content.decode()
    assert "Was soll aus der Stadthalle werden?" in html
    assert "Sagen Sie es uns." in html
    assert "Ein Kulturzentrum!" in html and "Gute Idee." in html
    assert f'data-discussion="{discussion.pk}"' in html
    # The page's one socket listens to the discussion too; the section opens none of its own.
    assert html.count("data-live-socket=") == 1 and 'data-live-socket="/ws/live/"' in html
    assert "js/discussion.js" in html
    assert reverse("moderation_log", args=[discussion.consultation.slug]) in html


def test_pages_without_a_discussion_do_not_load_its_script(client, consultation_index):
    page = add_consultation_page(consultation_index)
    assert "js/discussion.js" not in client.get(page.url).content.decode()


def test_anonymous_readers_are_asked_to_log_in(client, page):
    html = client.get(page.url).content.decode()
    assert reverse("account_login") in html
    assert "<textarea" not in html
    assert "csrfmiddlewaretoken" not in html


def test_a_resident_gets_the_comment_form(client, page, discussion, anna):
    client.force_login(anna)
    html = client.get(page.url).content.decode()
    assert reverse("post_comment", args=[discussion.pk]) in html
    assert 'name="text"' in html
    assert "csrfmiddlewaretoken" in html


def test_a_resident_s_comment_from_the_page_arrives(client, page, discussion, anna):
    client.force_login(anna)
    response = client.post(
        reverse("post_comment", args=[discussion.pk]), {"text": "Mehr Konzerte, bitte."}
    )
    assert response.status_code == 302
    assert "Mehr Konzerte, bitte." in client.get(page.url).content.decode()


def test_comments_are_closed_outside_participation(client, consultation_index, anna):
    consultation = make_consultation(active="evaluation")
    discussion = make_discussion(consultation)
    page = add_consultation_page(
        consultation_index, consultation, body=[("discussion", {"discussion": discussion})]
    )
    client.force_login(anna)
    html = client.get(page.url).content.decode()
    assert reverse("post_comment", args=[discussion.pk]) not in html


def test_a_discussion_of_another_consultation_is_refused(page):
    foreign = make_discussion(make_consultation(title="Andere Beteiligung"), title="Fremd")
    page.body = [("discussion", {"discussion": foreign})]
    with translation.override("en"), pytest.raises(ValidationError) as error:
        page.full_clean()
    assert "Fremd" in str(error.value)
    assert "belongs to another consultation" in str(error.value)


def test_own_discussions_pass_validation(page):
    page.full_clean()


def test_the_editor_is_told_when_choosing_another_consultation_s_discussion(
    client, page, consultation
):
    foreign = make_discussion(make_consultation(), title="Fremde Diskussion")
    client.force_login(make_user(groups=(EDITORS,), is_staff=True))
    data = nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "consultation": consultation.pk,
            "intro": "",
            "body": streamfield([("discussion", {"discussion": foreign.pk})]),
        }
    )
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "belongs to another consultation" in html or "einer anderen Beteiligung" in html
    assert (
        ConsultationPage.objects.get(pk=page.pk).discussion_blocks()[0].value["discussion"]
        != foreign
    )


def test_a_foreign_discussion_saved_anyway_is_not_shown(client, page):
    # E.g. placed by a script that skipped validation: the block stays empty.
    foreign = make_discussion(make_consultation(), title="Nicht hier")
    ConsultationPage.objects.filter(pk=page.pk).update(
        body=[{"type": "discussion", "value": {"discussion": foreign.pk}}]
    )
    html = client.get(page.url).content.decode()
    assert "Nicht hier" not in html


def test_a_deleted_discussion_leaves_an_empty_block(client, page, discussion):
    discussion.delete()
    response = client.get(page.url)
    assert response.status_code == 200
    assert "Was soll aus der Stadthalle werden?" not in response.content.decode()


def test_a_new_comment_reaches_anonymous_readers_on_reload(client, page, discussion, anna):
    assert state(client.get(page.url)) == "miss"
    assert state(client.get(page.url)) == "hit"
    post_comment(author=anna, discussion=discussion, text="Neu und sofort sichtbar.")
    response = client.get(page.url)
    assert state(response) == "miss"
    assert "Neu und sofort sichtbar." in response.content.decode()
    assert state(client.get(page.url)) == "hit"


def test_a_comment_waiting_for_review_stays_hidden_from_anonymous_readers(
    client, consultation_index, anna
):
    consultation = make_consultation(moderation_mode="before")
    discussion = make_discussion(consultation)
    page = add_consultation_page(
        consultation_index, consultation, body=[("discussion", {"discussion": discussion})]
    )
    client.get(page.url)
    post_comment(author=anna, discussion=discussion, text="Noch nicht geprüft.")
    assert "Noch nicht geprüft." not in client.get(page.url).content.decode()


def test_reaction_counts_reach_anonymous_readers_on_reload(client, page, discussion, anna, ben):
    comment = post_comment(author=anna, discussion=discussion, text="Zustimmung?")
    client.get(page.url)
    assert state(client.get(page.url)) == "hit"
    react(user=ben, comment=comment, value="agree")
    response = client.get(page.url)
    assert state(response) == "miss"
    assert "<span data-agree>1</span>" in response.content.decode()
    react(user=ben, comment=comment, value="disagree")  # same number of reactions, changed
    response = client.get(page.url)
    assert state(response) == "miss"
    assert "<span data-disagree>1</span>" in response.content.decode()


def test_pages_with_the_comment_form_are_never_cached(client, page, anna):
    client.force_login(anna)
    assert state(client.get(page.url)) is None
    assert state(client.get(page.url)) is None
    html = Client().get(page.url).content.decode()
    assert "csrfmiddlewaretoken" not in html


def test_the_discussion_costs_a_fixed_number_of_queries(
    client, page, discussion, anna, ben, django_assert_max_num_queries
):
    client.force_login(ben)
    post_comment(author=anna, discussion=discussion, text="Eins")
    client.get(page.url)
    with django_assert_max_num_queries(100) as baseline:
        client.get(page.url)
    count = len(baseline.captured_queries)
    for n in range(2):
        thread = post_comment(author=make_user(), discussion=discussion, text=f"Faden {n}")
        post_comment(author=make_user(), discussion=discussion, text="Antwort", reply_to=thread)
    with django_assert_max_num_queries(count):
        assert client.get(page.url).status_code == 200


def test_the_discussion_page_links_back_to_its_consultation(client, page, discussion):
    html = client.get(reverse("discussion_detail", args=[discussion.pk])).content.decode()
    assert f'href="{page.url}" data-back-to-consultation' in html


def test_a_discussion_without_a_published_page_has_no_dead_link(client, page, discussion):
    page.unpublish()
    html = client.get(reverse("discussion_detail", args=[discussion.pk])).content.decode()
    assert "data-back-to-consultation" not in html


def test_a_big_discussion_costs_the_page_a_fixed_number_of_queries_and_bytes(
    client, page, discussion, anna, django_assert_max_num_queries
):
    add_big_discussion(discussion, anna)
    client.get(page.url)
    with django_assert_max_num_queries(0):  # anonymous readers: the cached page
        assert len(client.get(page.url).content) <= 60 * 1024
    client.force_login(anna)
    client.get(page.url)
    with django_assert_max_num_queries(29):
        response = client.get(page.url)
    assert response.status_code == 200 and len(response.content) <= 60 * 1024
