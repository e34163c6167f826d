"""A quick poll on a cached page: the page stays a cache hit (no CSRF token, nothing per
browser in it), before and after votes."""

import pytest
from django.utils import timezone

from cms.models import ContentPage
from consultations import roles
from consultations.actions.polls import create_poll
from consultations.views.polls import form_token
from tests.cms.conftest import add_page, cache_state
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def poll():
    now = timezone.now()
    return create_poll(
        editor=make_user(groups=(roles.EDITORS,)),
        question="Mehr Bänke am Markt?",
        opens=now - timezone.timedelta(days=1),
        closes=now + timezone.timedelta(days=6),
        choices=[{"label": "Ja"}, {"label": "Nein"}],
        audience="everyone",
        is_published=True,
    )


def test_a_page_with_a_poll_stays_cacheable(client, home, poll):
    page = add_page(
        home,
        ContentPage(title="Markt", slug="markt", body=[("quick_poll", {"poll": poll})]),
    )
    first = client.get(page.url)
    html = first.content.decode()
    assert cache_state(first) == "miss"
    assert "Mehr Bänke am Markt?" in html and form_token(poll) in html
    assert "csrfmiddlewaretoken" not in html
    assert cache_state(client.get(page.url)) == "hit"
    voted = client.post(
        f"/abstimmungen/{poll.pk}/abstimmen/",
        {"form_token": form_token(poll), "choice": poll.choices.first().pk, "next": page.url},
        HTTP_ORIGIN="http://testserver",
    )
    assert voted.status_code == 302
    again = client.get(page.url)
    assert cache_state(again) == "hit" and again.content == first.content


def test_a_draft_poll_is_not_shown_on_the_page(client, home, poll):
    poll.is_published = False
    poll.save()
    page = add_page(
        home,
        ContentPage(title="Markt", slug="markt", body=[("quick_poll", {"poll": poll})]),
    )
    assert "Mehr Bänke" not in client.get(page.url).content.decode()
