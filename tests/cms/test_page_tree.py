"""Every page type declares where it may live in the tree."""

import pytest
from wagtail.models import Page

from cms.models import (
    AccessibilityStatementPage,
    ConsultationIndexPage,
    ConsultationPage,
    ContentPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
)

pytestmark = pytest.mark.django_db

ALL = [
    HomePage,
    ContentPage,
    NewsIndexPage,
    NewsPage,
    ConsultationIndexPage,
    ConsultationPage,
    AccessibilityStatementPage,
]

# (child type, parent types it may be created under)
ALLOWED_PARENTS = {
    HomePage: {Page},
    ContentPage: {HomePage, ContentPage},
    NewsIndexPage: {HomePage},
    NewsPage: {NewsIndexPage},
    ConsultationIndexPage: {HomePage},
    ConsultationPage: {ConsultationIndexPage},
    AccessibilityStatementPage: {HomePage},
}


@pytest.mark.parametrize("child", ALL, ids=lambda model: model.__name__)
def test_allowed_parents_are_exactly_the_declared_ones(child):
    assert set(child.allowed_parent_page_models()) == ALLOWED_PARENTS[child]


@pytest.mark.parametrize("parent", ALL, ids=lambda model: model.__name__)
def test_allowed_children_follow_from_the_parents(parent):
    expected = {child for child, parents in ALLOWED_PARENTS.items() if parent in parents}
    assert set(parent.allowed_subpage_models()) == expected


def test_can_create_at_real_pages(home, consultation_index, news_index):
    assert ContentPage.can_create_at(home)
    assert NewsPage.can_create_at(news_index)
    assert ConsultationPage.can_create_at(consultation_index)
    assert not NewsPage.can_create_at(home)
    assert not ConsultationPage.can_create_at(home)
    assert not ConsultationPage.can_create_at(news_index)
    assert not HomePage.can_create_at(home)


def test_only_one_home_page_per_parent(home):
    root = Page.get_first_root_node()
    assert not HomePage.can_create_at(root)


def test_a_home_page_can_be_created_at_the_root_when_there_is_none(db):
    root = Page.get_first_root_node()
    assert HomePage.can_create_at(root)
