"""The main navigation: the home page's live children that are shown in menus."""

import pytest
from django.test import RequestFactory

from cms.context_processors import navigation
from cms.models import ContentPage
from tests.cms.conftest import add_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def menu_pages(home, consultation_index, news_index):
    add_page(home, ContentPage(title="Über uns", slug="ueber", show_in_menus=True))
    add_page(home, ContentPage(title="Impressum", slug="impressum", show_in_menus=False))
    add_page(home, ContentPage(title="Entwurf", slug="entwurf", show_in_menus=True, live=False))
    about = ContentPage.objects.get(slug="ueber")
    add_page(about, ContentPage(title="Unterseite", slug="unter", show_in_menus=True))
    return home


def nav_for(path: str):
    request = RequestFactory().get(path)
    return request, navigation(request)["main_navigation"]


def test_menu_lists_live_top_level_menu_pages_in_tree_order(menu_pages):
    _, items = nav_for("/")
    assert [item["title"] for item in items] == ["Beteiligungen", "Aktuelles", "Über uns"]
    assert [item["url"] for item in items] == ["/beteiligungen/", "/aktuelles/", "/ueber/"]
    assert not any(item["active"] for item in items)


def test_the_current_section_is_active(menu_pages):
    _, items = nav_for("/ueber/unter/")
    assert [item["title"] for item in items if item["active"]] == ["Über uns"]


def test_menu_is_built_once_then_costs_only_the_site_lookup(
    menu_pages, django_assert_max_num_queries, django_assert_num_queries
):
    with django_assert_max_num_queries(5):
        request, first = nav_for("/")
    with django_assert_num_queries(0):
        assert navigation(request)["main_navigation"] is first  # memoised on the request
    with django_assert_max_num_queries(2):  # another request: site lookup only
        _, again = nav_for("/aktuelles/")
    assert [item["title"] for item in again] == [item["title"] for item in first]


def test_publishing_a_menu_page_updates_the_menu(menu_pages, home):
    nav_for("/")
    new = add_page(home, ContentPage(title="Neu", slug="neu", show_in_menus=True, live=False))
    new.save_revision().publish()
    _, items = nav_for("/")
    assert "Neu" in [item["title"] for item in items]


def test_menu_is_rendered_with_aria_current(client, menu_pages):
    html = client.get("/aktuelles/").content.decode()
    assert '<a href="/aktuelles/" aria-current="page">Aktuelles</a>' in html
    assert '<a href="/beteiligungen/">Beteiligungen</a>' in html
