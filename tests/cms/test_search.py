"""Site search: pages (live, public, visible), grouped by kind; hostile queries; the cache."""

import pytest
from wagtail.rich_text import RichText

from cms.models import ContentPage, NewsPage
from consultations.models import Consultation
from tests.cms.conftest import add_consultation_page, add_page
from tests.factories import make_consultation, make_user

pytestmark = pytest.mark.django_db


def result_titles(response, kind: str = "pages") -> list[str]:
    for group in response.context["groups"]:
        if group.kind == kind:
            return [str(result.title) for result in group.results]
    return []


def test_empty_query_asks_for_a_term(client, home):
    response = client.get("/suche/")
    assert response.status_code == 200
    assert response.context["groups"] == []
    assert 'name="q" value=""' in response.content.decode()


def test_finds_pages_by_body_text_and_keeps_the_query(client, home, news_index):
    add_page(
        home,
        ContentPage(
            title="Spielplätze",
            slug="spielplaetze",
            body=[("paragraph", RichText("<p>Die neue Schaukel im Stadtpark.</p>"))],
        ),
    )
    add_page(news_index, NewsPage(title="Schaukel eröffnet", slug="s", intro="Schaukel!"))
    add_page(home, ContentPage(title="Anderes", slug="anderes", intro="Nichts davon."))

    response = client.get("/suche/", {"q": "Schaukel"})

    assert response.status_code == 200
    assert set(result_titles(response)) == {"Spielplätze", "Schaukel eröffnet"}
    assert 'value="Schaukel"' in response.content.decode()


def test_draft_pages_are_not_found(client, home):
    add_page(home, ContentPage(title="Entwurf Schwimmbad", slug="entwurf", live=False))
    assert result_titles(client.get("/suche/", {"q": "Schwimmbad"})) == []


def test_no_results_message(client, home):
    response = client.get("/suche/", {"q": "Quokka"})
    html = response.content.decode()
    assert result_titles(response) == []
    assert "Quokka" in html
    assert 'role="status"' in html


def test_private_consultation_pages_are_found_only_by_those_who_may_see_them(
    client, consultation_index
):
    add_consultation_page(
        consultation_index,
        make_consultation(title="Geheime Runde", visibility=Consultation.Visibility.PRIVATE),
    )
    add_consultation_page(consultation_index, make_consultation(title="Offene Runde"))

    assert result_titles(client.get("/suche/", {"q": "Runde"})) == ["Offene Runde"]
    client.force_login(make_user(superuser=True))
    assert set(result_titles(client.get("/suche/", {"q": "Runde"}))) == {
        "Offene Runde",
        "Geheime Runde",
    }


def test_the_overview_shows_a_few_per_kind_with_a_link_to_all(client, home):
    for n in range(12):
        add_page(home, ContentPage(title=f"Brücke {n}", slug=f"bruecke-{n}"))
    overview = client.get("/suche/", {"q": "Brücke"})
    html = overview.content.decode()
    assert len(result_titles(overview)) == 5
    assert "?q=Br%C3%BCcke&amp;kind=pages" in html
    assert 'aria-labelledby="results-pages"' in html
    assert "(12)" in html


def test_one_kind_is_paginated_and_pagination_keeps_the_query(client, home):
    for n in range(12):
        add_page(home, ContentPage(title=f"Brücke {n}", slug=f"bruecke-{n}"))
    first = client.get("/suche/", {"q": "Brücke", "kind": "pages"})
    second = client.get("/suche/", {"q": "Brücke", "kind": "pages", "page": 2})
    assert len(result_titles(first)) == 10
    assert len(result_titles(second)) == 2
    assert "q=Br%C3%BCcke&amp;kind=pages&amp;page=2" in first.content.decode()
    assert 'start="11"' in second.content.decode()


def test_consultation_pages_are_found_by_the_consultation_s_summary(client, consultation_index):
    add_consultation_page(
        consultation_index,
        make_consultation(title="Verkehr", summary="Tempo dreißig vor der Grundschule"),
    )
    assert result_titles(client.get("/suche/", {"q": "Grundschule"})) == ["Verkehr"]


HOSTILE_QUERIES = [
    '"',
    "'",
    '"Stadt',
    "Stadt OR",
    "AND",
    "NOT",
    "NEAR(",
    "*",
    "-",
    "^",
    "(",
    ")",
    "Stadt*",
    "a:b",
    "col:Stadt",
    '"" OR ""',
    "\\",
    "%",
    "_",
    "\x00",
    "🙂",
    "x" * 5000,
    "Stadt " * 300,
    "<script>alert(1)</script>",
    "Stadt & park | !halle :* (a) <-> 'b'",
    "!!!",
    "&|!:*()",
    "Stadt\x07park\x1b[31m",
    "\u202eStadt",
    "Stadt\r\nSet-Cookie: x=1",
    "1=1; DROP TABLE wagtailcore_page; --",
    "ä" * 3000,
    " ",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_any_query_gives_results_or_a_friendly_no_results(client, home, query):
    add_page(home, ContentPage(title="Stadtpark", slug="stadtpark", intro="Der Stadtpark."))

    response = client.get("/suche/", {"q": query})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)" not in html
    assert "\x00" not in html and "\x1b" not in html
    assert "Set-Cookie" not in response.headers.get("Set-Cookie", "")
    # A clear answer: results, "nothing found", or the prompt for a term.
    assert 'role="status"' in html or 'class="search-prompt"' in html


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999999999999", "1.5", "", "%00"])
def test_any_page_number_is_answered(client, home, page):
    add_page(home, ContentPage(title="Stadtpark", slug="stadtpark", intro="Der Stadtpark."))

    response = client.get("/suche/", {"q": "Stadtpark", "page": page})

    assert response.status_code == 200
    assert "Stadtpark" in response.content.decode()


def test_a_quoted_phrase_still_finds_the_page(client, home):
    add_page(home, ContentPage(title="Stadtpark", slug="stadtpark", intro="Der Stadtpark."))

    response = client.get("/suche/", {"q": '"Stadtpark'})

    assert result_titles(response) == ["Stadtpark"]


@pytest.mark.parametrize("kind", ["pages", "surveys", "comments", "nonsense", ""])
def test_any_kind_is_answered(client, home, kind):
    add_page(home, ContentPage(title="Stadtpark", slug="stadtpark", intro="Der Stadtpark."))

    response = client.get("/suche/", {"q": "Stadtpark", "kind": kind, "page": "2"})

    assert response.status_code == 200


def test_words_are_cleaned_of_syntax_and_limited():
    from cms.search import MAX_QUERY_LENGTH, MAX_QUERY_WORDS, clean_query, query_words

    assert query_words('"Stadt" & park | !halle:* (a)') == ["Stadt", "park", "halle", "a"]
    assert query_words("&|!:*()") == []
    assert len(query_words("w " * 100)) == MAX_QUERY_WORDS
    assert clean_query("  Stadt\x00\x07park\u202e \n Halle ") == "Stadtpark Halle"
    assert len(clean_query("x" * 5000)) == MAX_QUERY_LENGTH


def test_the_result_page_keeps_a_bounded_number_of_queries(
    client, home, django_assert_max_num_queries
):
    for n in range(12):
        add_page(home, ContentPage(title=f"Brücke {n}", slug=f"bruecke-{n}", intro="Brücke"))
    client.get("/suche/", {"q": "Brücke"})  # site settings and the like are created once
    with django_assert_max_num_queries(20):
        assert client.get("/suche/", {"q": "Brücke"}).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/suche/", {"q": "Brücke", "kind": "pages"}).status_code == 200
