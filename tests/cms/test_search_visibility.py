"""What site search finds, as a table: comment state × viewer, survey state × viewer. Search
only ever shows what everybody allowed to read the discussion may read: published comments
(``consultations.read_comment`` of a published comment), published surveys. Held, hidden and
deleted comments and survey drafts are never found, not by their authors, moderators or
editors, who have their own pages for them. The anonymous answers come from the page cache on
the second request, so the cache is tested with the same table."""

import re

import pytest

from consultations.actions.discussions import delete_comment, edit_comment, post_comment
from consultations.actions.moderation import approve_comment, hide_comment
from consultations.actions.surveys import change_survey, create_survey
from consultations.models import Comment, Consultation, ConsultationMembership, Survey
from consultations.roles import EDITORS, SITE_MODERATORS
from tests.factories import add_member, make_consultation, make_discussion, make_user

pytestmark = pytest.mark.django_db

COMMENT_STATES = ["published", "held", "hidden", "deleted", "private"]
SURVEY_STATES = ["published", "draft", "private", "private_draft"]
VIEWERS = ["anonymous", "resident", "author", "participant", "moderator", "editor"]
EVERYONE = set(VIEWERS)
IN_THE_PRIVATE_ONE = {"author", "participant", "moderator", "editor"}

FINDS_COMMENT = {
    "published": EVERYONE,
    "held": set(),
    "hidden": set(),
    "deleted": set(),
    "private": IN_THE_PRIVATE_ONE,
}
FINDS_SURVEY = {
    "published": EVERYONE,
    "draft": set(),
    "private": IN_THE_PRIVATE_ONE,
    "private_draft": set(),
}
QUESTIONS = [{"kind": "short_text", "text": "Was wünschen Sie sich?"}]


def comment_word(state: str) -> str:
    return f"Suchwort{state.replace('_', '')}kommentar"


def survey_word(state: str) -> str:
    return f"Suchwort{state.replace('_', '')}umfrage"


@pytest.fixture
def world(settings):
    settings.COMMENT_RATE_PER_MINUTE = settings.COMMENT_RATE_PER_HOUR = 100
    people = {
        "resident": make_user(pseudonym="Anwohner"),
        "author": make_user(pseudonym="Autorin"),
        "participant": make_user(pseudonym="Eingeladene"),
        "moderator": make_user(pseudonym="Moderation", groups=(SITE_MODERATORS,)),
        "editor": make_user(pseudonym="Redaktion", groups=(EDITORS,)),
    }
    public = make_consultation(title="Offen")
    held_here = make_consultation(title="Vorab", moderation_mode=Consultation.ModerationMode.BEFORE)
    private = make_consultation(title="Geschlossen", visibility=Consultation.Visibility.PRIVATE)
    for person in ("author", "participant"):
        add_member(private, people[person], ConsultationMembership.Role.PARTICIPANT)
    where = {"held": held_here, "private": private}
    comments = {}
    for state in COMMENT_STATES:
        discussion = make_discussion(where.get(state, public), title=f"Diskussion {state}")
        comment = post_comment(
            author=people["author"],
            discussion=discussion,
            text=f"Ein Beitrag mit dem {comment_word(state)} darin.",
        )
        if state == "hidden":
            hide_comment(moderator=people["moderator"], comment=comment, reason="insult")
        if state == "deleted":
            delete_comment(author=people["author"], comment=comment)
        comments[state] = Comment.objects.get(pk=comment.pk)
    assert comments["held"].status == Comment.Status.PENDING
    surveys = {}
    for state in SURVEY_STATES:
        surveys[state] = create_survey(
            editor=people["editor"],
            consultation=private if state.startswith("private") else public,
            title=f"Umfrage {state}",
            description=f"Eine Umfrage zum {survey_word(state)}.",
            questions=QUESTIONS,
            status=Survey.Status.DRAFT if state.endswith("draft") else Survey.Status.PUBLISHED,
        )
    return people, comments, surveys


def search_as(client, people, viewer, query, **params):
    client.logout()
    if viewer != "anonymous":
        client.force_login(people[viewer])
    response = client.get("/suche/", {"q": query, **params})
    assert response.status_code == 200
    return response


LINKS = {"comments": r'href="/kommentare/(\d+)/"', "surveys": r'href="/umfragen/(\d+)/"'}


def found(response, kind) -> list[int]:
    """The ids linked in the group of this kind, read from the HTML (a cached answer has no
    context)."""
    html = response.content.decode()
    section = re.search(rf'aria-labelledby="results-{kind}">(.*?)</section>', html, re.S)
    return [int(pk) for pk in re.findall(LINKS[kind], section.group(1))] if section else []


@pytest.mark.parametrize("state", COMMENT_STATES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_comments_found(client, world, state, viewer):
    people, comments, _surveys = world
    word = comment_word(state)
    for params in ({}, {"kind": "comments"}, {}):  # the third: anonymous, from the cache
        response = search_as(client, people, viewer, word, **params)
        html = response.content.decode()
        if viewer in FINDS_COMMENT[state]:
            assert found(response, "comments") == [comments[state].pk]
            assert f"/kommentare/{comments[state].pk}/" in html
        else:
            assert found(response, "comments") == [], (state, viewer)
            assert f"/kommentare/{comments[state].pk}/" not in html
            assert f"dem {word} darin" not in html


@pytest.mark.parametrize("state", SURVEY_STATES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_surveys_found(client, world, state, viewer):
    people, _comments, surveys = world
    for params in ({}, {"kind": "surveys"}, {}):
        response = search_as(client, people, viewer, survey_word(state), **params)
        html = response.content.decode()
        if viewer in FINDS_SURVEY[state]:
            assert found(response, "surveys") == [surveys[state].pk]
            assert f"/umfragen/{surveys[state].pk}/" in html
        else:
            assert found(response, "surveys") == [], (state, viewer)
            assert f"/umfragen/{surveys[state].pk}/" not in html
            assert f"Umfrage {state}<" not in html


def test_a_word_in_every_comment_finds_only_the_published_ones(client, world):
    people, comments, _surveys = world
    response = search_as(client, people, "moderator", "Beitrag", kind="comments")
    assert set(found(response, "comments")) == {
        comments["published"].pk,
        comments["private"].pk,
    }


def test_surveys_are_found_by_title_too(client, world):
    people, _comments, surveys = world
    response = search_as(client, people, "anonymous", "Umfrage published")
    assert found(response, "surveys") == [surveys["published"].pk]


# --- What the anonymous cache must follow -----------------------------------------------------


def test_hiding_a_comment_removes_it_from_cached_results(client, world):
    people, comments, _surveys = world
    word = comment_word("published")
    assert found(search_as(client, people, "anonymous", word), "comments")
    cached = search_as(client, people, "anonymous", word)
    assert cached.headers.get("X-Page-Cache") == "hit"

    hide_comment(moderator=people["moderator"], comment=comments["published"], reason="insult")

    after = search_as(client, people, "anonymous", word)
    assert after.headers.get("X-Page-Cache") != "hit"
    assert found(after, "comments") == []


def test_approving_and_editing_show_in_cached_results(client, world):
    people, comments, _surveys = world
    held = comments["held"]
    word = comment_word("held")
    assert found(search_as(client, people, "anonymous", word), "comments") == []
    assert search_as(client, people, "anonymous", word).headers.get("X-Page-Cache") == "hit"

    approve_comment(moderator=people["moderator"], comment=held)
    assert found(search_as(client, people, "anonymous", word), "comments") == [held.pk]

    published = Comment.objects.get(pk=comments["published"].pk)
    edit_comment(editor=people["author"], comment=published, text="Jetzt ganz anders formuliert.")
    assert found(search_as(client, people, "anonymous", "formuliert"), "comments")
    assert not found(search_as(client, people, "anonymous", comment_word("published")), "comments")


def test_publishing_a_survey_shows_it_in_cached_results(client, world):
    people, _comments, surveys = world
    draft = surveys["draft"]
    word = survey_word("draft")
    assert found(search_as(client, people, "anonymous", word), "surveys") == []
    assert search_as(client, people, "anonymous", word).headers.get("X-Page-Cache") == "hit"

    change_survey(
        editor=people["editor"],
        survey=draft,
        title=draft.title,
        description=draft.description,
        questions=[{"id": q.pk, "kind": q.kind, "text": q.text} for q in draft.questions.all()],
        status=Survey.Status.PUBLISHED,
    )

    assert found(search_as(client, people, "anonymous", word), "surveys") == [draft.pk]


def test_signed_in_readers_are_never_served_from_the_cache(client, world):
    people, _comments, _surveys = world
    word = comment_word("private")
    search_as(client, people, "anonymous", word)
    assert search_as(client, people, "anonymous", word).headers.get("X-Page-Cache") == "hit"
    response = search_as(client, people, "participant", word)
    assert response.headers.get("X-Page-Cache") is None
    assert found(response, "comments")
