"""Editorial content is German only: with English chosen for the interface, pages say so in a
short note and mark German content with lang="de" (WCAG 3.1.2); the interface stays English."""

import re

import pytest
from wagtail.rich_text import RichText

from cms.models import ContentPage
from tests.cms.conftest import add_consultation_page, add_page
from tests.factories import make_consultation, make_discussion

pytestmark = pytest.mark.django_db

NOTE = "The content of this page is available in German only."


@pytest.fixture
def english(client):
    client.cookies["mitreden_language"] = "en"
    return client


def element_with(html: str, text: str) -> str:
    """The opening tag of the innermost element that directly holds ``text``."""
    index = html.index(text)
    start = html.rindex("<", 0, index)
    return html[start : html.index(">", start) + 1]


@pytest.fixture
def content(home):
    return add_page(
        home,
        ContentPage(
            title="Rathaus",
            slug="rathaus",
            show_in_menus=True,
            intro="Öffnungszeiten des Rathauses",
            body=[
                ("heading", {"level": "h2", "text": "Sprechstunde"}),
                ("paragraph", RichText("<p>Jeden Dienstag.</p>")),
                (
                    "faq",
                    {"questions": [{"question": "Wo?", "answer": RichText("<p>Hier.</p>")}]},
                ),
            ],
        ),
    )


def test_english_readers_are_told_and_german_content_is_marked(english, content):
    html = english.get(content.url).content.decode()
    assert '<html lang="en">' in html
    assert NOTE in html
    assert element_with(html, "Rathaus</h1>") == '<h1 lang="de">'
    assert 'lang="de"' in element_with(html, "Öffnungszeiten des Rathauses")
    assert 'lang="de"' in element_with(html, "Sprechstunde")
    assert re.search(r'<div class="rich-text" lang="de">\s*<p>Jeden Dienstag', html)
    assert '<div class="faq" lang="de">' in html
    # The menu item (a page title) is German too; the interface around it is not.
    assert re.search(r'<a href="/rathaus/"[^>]* lang="de">Rathaus</a>', html)
    assert 'lang="de"' not in element_with(html, "Skip to content")
    assert 'lang="de"' not in element_with(html, "Main navigation")


def test_german_readers_see_no_note_and_no_extra_marks(client, content):
    html = client.get(content.url).content.decode()
    assert '<html lang="de">' in html
    assert NOTE not in html
    assert "German only" not in html and "nur auf" not in html
    assert 'lang="de"' not in html.replace('<html lang="de">', "")


def test_consultation_page_marks_editorial_text_but_not_the_interface(english, consultation_index):
    consultation = make_consultation(title="Quartier", summary="Ein neues Stadtquartier.")
    phase = consultation.phase_list[1]
    phase.title = "Ideen sammeln"
    phase.description = "Sagen Sie uns Ihre Ideen."
    phase.save()
    discussion = make_discussion(consultation, title="Wie soll es aussehen?")
    page = add_consultation_page(
        consultation_index, consultation, body=[("discussion", {"discussion": discussion})]
    )
    html = english.get(page.url).content.decode()
    assert NOTE in html
    assert element_with(html, "Ein neues Stadtquartier.") == '<p class="lead" lang="de">'
    assert element_with(html, "Ideen sammeln") == '<h3 lang="de">'
    assert element_with(html, "Sagen Sie uns Ihre Ideen.") == '<p lang="de">'
    assert 'lang="de"' in element_with(html, "Wie soll es aussehen?")
    # Untitled phases show the translated kind: interface, not editorial text.
    assert element_with(html, ">Information</h3>"[1:]) == "<h3>"
    assert element_with(html, 'class="badge badge--') == '<span class="badge badge--open">'
    assert element_with(html, '<span class="badge') == '<p class="consultation__meta">'
    assert 'lang="de"' not in element_with(html, "Timeline")


def test_cards_and_search_results_are_marked(english, home, consultation_index):
    add_consultation_page(
        consultation_index, make_consultation(title="Radweg", summary="Ein Radweg am Fluss.")
    )
    html = english.get(consultation_index.url).content.decode()
    assert re.search(r'<a href="[^"]+" lang="de">Radweg</a>', html)
    assert element_with(html, "Ein Radweg am Fluss.") == '<p lang="de">'
    assert NOTE in html
    results = english.get("/suche/", {"q": "Radweg"}).content.decode()
    assert re.search(r'<a href="[^"]+" lang="de">Radweg</a>', results)
    assert NOTE in results


def test_the_discussion_page_marks_its_german_title_and_description(english):
    discussion = make_discussion(title="Was wird aus der Halle?", description="Sagen Sie es uns.")
    html = english.get(f"/diskussionen/{discussion.pk}/").content.decode()
    assert 'lang="de"' in element_with(html, "Was wird aus der Halle?</h1>")
    assert 'lang="de"' in element_with(html, "Sagen Sie es uns.")
