"""The answering pages without JavaScript: page by page, answers kept on the server between
pages, only the last submit writes; errors summarised at the top with links to the fields."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from consultations.models import Response
from consultations.views.surveys import TOKEN_COOKIE
from tests.factories import make_consultation, make_user

from .conftest import add_condition, build_survey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def url(survey, page=None):
    base = reverse("survey_detail", args=[survey.pk])
    return f"{base}?seite={page}" if page else base


def qs(survey):
    return list(survey.questions.order_by("sort_order"))


def page_one(survey, **overrides):
    q = qs(survey)
    choices = [list(question.choices.all()) for question in q]
    data = {
        "page": "1",
        q[0].field_name: str(choices[0][2].pk),
        q[1].field_name: [str(choices[1][0].pk)],
        q[2].field_name: "yes",
    }
    data.update(overrides)
    return data


def page_two(survey):
    q = qs(survey)
    choices = list(q[4].choices.all())
    return {
        "page": "2",
        q[3].field_name: "5",
        f"{q[4].field_name}_c{choices[2].pk}": "1",
        q[5].field_name: "3",
        q[6].field_name: "",
    }


def test_three_pages_only_the_last_writes(client, editor):
    survey = build_survey(editor)
    client.force_login(make_user())
    page = client.get(url(survey))
    assert page.status_code == 200
    html = page.content.decode()
    assert "page 1 of 3" in html and "<fieldset" in html and "<legend" in html
    assert qs(survey)[3].text not in html  # on page 2

    moved = client.post(url(survey), page_one(survey))
    assert moved.status_code == 302 and moved["Location"].endswith("?seite=2#survey")
    assert not Response.objects.exists()
    moved = client.post(url(survey), page_two(survey))
    assert moved["Location"].endswith("?seite=3#survey")
    assert not Response.objects.exists()
    # Back to page 1: the earlier answers are shown again (kept on the server).
    back = client.get(url(survey, 1)).content.decode()
    assert f'value="{list(qs(survey)[0].choices.all())[2].pk}" checked' in back

    done = client.post(url(survey), {"page": "3", qs(survey)[8].field_name: "Danke"})
    assert done.status_code == 302
    response = Response.objects.get()
    assert response.answers.count() == 7
    assert client.session.get(f"survey-answers-{survey.pk}") is None


def test_errors_are_summarised_and_linked_and_nothing_moves_on(client, editor):
    survey = build_survey(editor)
    client.force_login(make_user())
    q = qs(survey)
    page = client.post(
        url(survey), page_one(survey, **{q[0].field_name: "31337", q[2].field_name: ""})
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="error-summary" role="alert"' in html
    assert f'href="#{q[0].field_name}-group"' in html and f'href="#{q[2].field_name}-group"' in html
    assert f'id="{q[2].field_name}-error"' in html
    assert "<title>Error:" in html
    assert not Response.objects.exists()


def test_the_back_button_keeps_what_was_typed_without_checking_it(client, editor):
    survey = build_survey(editor)
    client.force_login(make_user())
    client.post(url(survey), page_one(survey))
    q = qs(survey)
    moved = client.post(url(survey), {"page": "2", "back": "1", q[5].field_name: "abc"})
    assert moved["Location"].endswith("?seite=1#survey")
    assert 'value="abc"' in client.get(url(survey, 2)).content.decode()


def test_a_page_whose_questions_are_all_hidden_is_skipped(client, editor):
    questions = [
        {"kind": "yes_no", "text": "Nutzen Sie die Halle?", "required": True},
        {"kind": "short_text", "text": "Wofür?", "section_title": "Nutzung"},
        {"kind": "short_text", "text": "Sonst noch etwas?", "section_title": "Ende"},
    ]
    survey = build_survey(editor, questions=questions)
    survey = add_condition(editor, survey, question_index=1, source_index=0, value="yes")
    client.force_login(make_user())
    q = qs(survey)
    moved = client.post(url(survey), {"page": "1", q[0].field_name: "no"})
    assert moved["Location"].endswith("?seite=3#survey")
    moved = client.post(url(survey), {"page": "3", "back": "1"})
    assert moved["Location"].endswith("?seite=1#survey")
    client.post(url(survey), {"page": "1", q[0].field_name: "yes"})
    assert client.post(url(survey), {"page": "2", q[1].field_name: "Kino"}).status_code == 302


def test_a_condition_on_the_same_page_is_explained_for_people_without_javascript(client, editor):
    questions = [
        {"kind": "yes_no", "text": "Nutzen Sie die Halle?"},
        {"kind": "short_text", "text": "Wofür?"},
    ]
    survey = add_condition(
        editor,
        build_survey(editor, questions=questions),
        question_index=1,
        source_index=0,
        value="yes",
    )
    client.force_login(make_user())
    html = client.get(url(survey)).content.decode()
    assert "Only if you answered “yes” to question 1." in html
    assert f'data-condition-source="{qs(survey)[0].field_name}"' in html


def test_a_person_sees_and_changes_their_answers(client, editor):
    survey = build_survey(editor, questions=[{"kind": "yes_no", "text": "Ja?"}])
    client.force_login(make_user())
    name = qs(survey)[0].field_name
    client.post(url(survey), {"page": "1", name: "yes"})
    html = client.get(url(survey)).content.decode()
    assert 'value="yes" checked' in html and "You answered this survey" in html
    client.post(url(survey), {"page": "1", name: "no"})
    assert Response.objects.get().answers.get().text == "no"


def test_without_an_account_a_signed_cookie_makes_one_response_per_browser(client, editor):
    survey = build_survey(
        editor, questions=[{"kind": "yes_no", "text": "Ja?"}], allow_without_account=True
    )
    first = client.get(url(survey))
    assert TOKEN_COOKIE in first.cookies and first.cookies[TOKEN_COOKIE]["httponly"]
    name = qs(survey)[0].field_name
    client.post(url(survey), {"page": "1", name: "yes"})
    client.post(url(survey), {"page": "1", name: "no"})
    response = Response.objects.get()
    assert response.source == Response.Source.TOKEN and response.answers.get().text == "no"
    # A forged cookie is not a token.
    client.cookies[TOKEN_COOKIE] = "forged"
    refused = client.post(url(survey), {"page": "1", name: "yes"})
    assert refused.status_code == 400 and Response.objects.count() == 1


def test_people_who_may_not_answer_see_the_questions_and_how_to_take_part(client, editor):
    survey = build_survey(editor, questions=[{"kind": "yes_no", "text": "Ja?"}])
    html = client.get(url(survey)).content.decode()
    assert "Sign in" in html and '<form method="post"' not in html
    refused = client.post(url(survey), {"page": "1", qs(survey)[0].field_name: "yes"})
    assert refused.status_code == 403 and not Response.objects.exists()


@pytest.mark.parametrize("page", ["0", "-1", "99", "abc", "9" * 30])
def test_odd_page_numbers_are_clamped(client, editor, page):
    survey = build_survey(editor)
    client.force_login(make_user())
    assert client.get(url(survey, page)).status_code == 200
    assert client.post(url(survey), {"page": page}).status_code in (200, 302)


def test_results_page_says_when_results_come(client, editor):
    after = build_survey(editor, questions=[{"kind": "yes_no", "text": "Ja?"}])
    during = build_survey(
        editor, questions=[{"kind": "yes_no", "text": "Ja?"}], results_visibility="during"
    )
    html = client.get(reverse("survey_results", args=[after.pk])).content.decode()
    assert "published when the survey closes" in html and "result-bars" not in html
    html = client.get(reverse("survey_results", args=[during.pk])).content.decode()
    assert "result-bars" in html and "0 responses" in html


def test_a_draft_is_a_preview_for_staff_and_missing_for_everyone_else(client, editor):
    draft = build_survey(editor, publish=False, consultation=make_consultation())
    assert client.get(url(draft)).status_code == 404
    client.force_login(make_user())
    assert client.get(url(draft)).status_code == 404
    client.force_login(editor)
    html = client.get(url(draft)).content.decode()
    assert "Preview" in html and '<form method="post"' not in html
