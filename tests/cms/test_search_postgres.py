"""Site search on PostgreSQL, as in production: German stemming for pages, comments and
surveys, the partial GIN index on published comments, and tsquery syntax that stays text."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from cms.models import ContentPage
from consultations import selectors
from consultations.actions.discussions import post_comment
from consultations.actions.surveys import create_survey
from consultations.models import Comment, Survey
from consultations.roles import EDITORS
from tests.cms.conftest import add_page
from tests.factories import make_consultation, make_discussion, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
ANONYMOUS = AnonymousUser()


@pytest.fixture
def comment(settings):
    settings.COMMENT_RATE_PER_MINUTE = settings.COMMENT_RATE_PER_HOUR = 100
    discussion = make_discussion(make_consultation(), title="Stadthalle")
    return post_comment(
        author=make_user(),
        discussion=discussion,
        text="Die Stadthallen unserer Nachbarstädte haben längere Öffnungszeiten.",
    )


def test_comments_are_found_by_german_word_stems(comment):
    for query in ["Stadthalle", "stadthalle", "Öffnungszeit", "Nachbarstadt", "lange"]:
        assert list(selectors.search_comments(ANONYMOUS, [query])) == [comment], query
    assert list(selectors.search_comments(ANONYMOUS, ["Stadthalle", "Kino"])) == []


def test_pages_and_surveys_are_found_by_german_word_stems(client, home, comment):
    add_page(home, ContentPage(title="Spielplätze", slug="spielplaetze", intro="Neue Schaukeln"))
    editor = make_user(groups=(EDITORS,))
    survey = create_survey(
        editor=editor,
        consultation=make_consultation(),
        title="Umfrage zu den Bibliotheken",
        description="Wie nutzen Sie die Büchereien?",
        questions=[{"kind": "short_text", "text": "Was fehlt?"}],
        status=Survey.Status.PUBLISHED,
    )

    html = client.get("/suche/", {"q": "Spielplatz"}).content.decode()
    assert "Spielplätze" in html
    assert list(selectors.search_surveys(ANONYMOUS, ["Bibliothek", "Bücherei"])) == [survey]


def test_the_published_comments_index_can_answer_the_search(comment):
    """The partial GIN index matches the expression ``text_matches`` builds (else PostgreSQL
    would stem every published comment on every search)."""
    Comment.objects.bulk_create(
        Comment(discussion=comment.discussion, text=f"Ein anderer Beitrag, Nummer {n}.")
        for n in range(2000)
    )
    published = Comment.objects.filter(status=Comment.Status.PUBLISHED)
    query = selectors.text_matches(published, ["text"], ["Stadthalle"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE consultations_comment")
    plan = query.explain()
    assert "Bitmap Index Scan on comment_published_text_de" in plan, plan
    assert list(query) == [comment]


@pytest.mark.parametrize(
    "query",
    [
        "Stadt & halle",
        "!Stadt",
        "Stadt:*",
        "(Stadt | halle)",
        "Stadt <-> halle",
        "'",
        "\\",
        "&|!:*()",
    ],
)
def test_tsquery_syntax_is_searched_as_words(client, home, comment, query):
    response = client.get("/suche/", {"q": query})
    assert response.status_code == 200


def test_stop_words_alone_find_nothing_without_an_error(client, comment):
    assert list(selectors.search_comments(ANONYMOUS, ["die", "und"])) == []
    assert client.get("/suche/", {"q": "die und"}).status_code == 200
    assert Comment.objects.count() == 1
