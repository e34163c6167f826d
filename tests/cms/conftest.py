"""Page-tree fixtures: a HomePage as the default site's root, and helpers to add pages."""

from __future__ import annotations

import pytest
from wagtail.models import Page, Site

from cms.models import (
    ConsultationIndexPage,
    ConsultationPage,
    ContentPage,
    HomePage,
    NewsIndexPage,
)
from tests.factories import make_consultation


@pytest.fixture
def home(db) -> HomePage:
    """A HomePage under the tree root, made the default site's root page."""
    root = Page.get_first_root_node()
    home = HomePage(title="Startseite", slug="startseite", hero_heading="Musterstadt redet mit")
    root.add_child(instance=home)
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    return home


@pytest.fixture
def editor(client):
    """An editor, signed in to the Wagtail admin with the test client."""
    from consultations.roles import EDITORS
    from tests.factories import make_user

    user = make_user(groups=(EDITORS,), is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def consultation_index(home) -> ConsultationIndexPage:
    index = ConsultationIndexPage(title="Beteiligungen", slug="beteiligungen", show_in_menus=True)
    home.add_child(instance=index)
    return index


@pytest.fixture
def news_index(home) -> NewsIndexPage:
    index = NewsIndexPage(title="Aktuelles", slug="aktuelles", show_in_menus=True)
    home.add_child(instance=index)
    return index


@pytest.fixture
def page(home) -> ContentPage:
    """A plain content page (the page cache tests' subject)."""
    return add_page(home, ContentPage(title="Rathaus", slug="rathaus", intro="Alte Einleitung"))


def cache_state(response) -> str | None:
    """ "hit" or "miss" when the page cache answered or stored the response, else None."""
    from cms import page_cache

    return response.get(page_cache.CACHE_HEADER)


def add_page(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    return page


def add_consultation_page(index: ConsultationIndexPage, consultation=None, **fields):
    consultation = consultation or make_consultation()
    fields.setdefault("title", consultation.title)
    fields.setdefault("slug", consultation.slug)
    return add_page(index, ConsultationPage(consultation=consultation, **fields))


def make_image(title: str = "Testbild"):
    import io

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images import get_image_model

    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), "#0b5394").save(buffer, format="PNG")
    image = get_image_model()(title=title, file=ImageFile(buffer, name="test.png"))
    image.save()
    return image


def make_document(title: str = "Studie", content: bytes = b"x" * 2048, name: str = "studie.pdf"):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    document = get_document_model()(title=title, file=ContentFile(content, name=name))
    document.save()
    return document
