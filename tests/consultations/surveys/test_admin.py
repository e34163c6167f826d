"""The survey builder in the Wagtail admin: its form only parses, the actions write (one
audit entry), refusals appear on the form and change nothing."""

from __future__ import annotations

import pytest
from django.utils import translation
from wagtail.models import ModelLogEntry
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from consultations.models import Question, Survey
from tests.factories import make_consultation

from .conftest import build_survey

pytestmark = pytest.mark.django_db

ADD = "/admin/snippets/consultations/survey/add/"


def edit_url(survey):
    return f"/admin/snippets/consultations/survey/edit/{survey.pk}/"


def form(consultation, questions, *, initial=0, **fields):
    return nested_form_data(
        {
            "consultation": consultation.pk,
            "title": fields.get("title", "Umfrage"),
            "description": "",
            "status": fields.get("status", "draft"),
            "results_visibility": "after",
            "questions": inline_formset(questions, initial=initial),
        }
    )


def question(kind, text, choices=(), **settings):
    return {
        "kind": kind,
        "text": text,
        "help_text": "",
        "section_title": settings.pop("section_title", ""),
        "condition_value": settings.pop("condition_value", ""),
        "condition_question": settings.pop("condition_question", ""),
        "unit": "",
        "label_low": "",
        "label_high": "",
        **settings,
        "choices": inline_formset([{"label": label} for label in choices]),
    }


@pytest.fixture
def admin_client(client, editor):
    client.force_login(editor)
    return client


def test_an_editor_builds_a_survey_with_nested_choices(admin_client, editor):
    consultation = make_consultation()
    posted = admin_client.post(
        ADD,
        form(
            consultation,
            [
                question("single_choice", "Wie oft?", ["Nie", "Oft"]),
                question("yes_no", "Sanieren?", required="on"),
            ],
            status="published",
        ),
    )
    assert posted.status_code == 302, posted.content.decode()[:2000]
    survey = Survey.objects.get()
    assert survey.is_published and survey.consultation == consultation
    first, second = survey.questions.order_by("sort_order")
    assert [c.label for c in first.choices.all()] == ["Nie", "Oft"] and second.required
    assert ModelLogEntry.objects.filter(object_id=str(survey.pk)).count() == 1


def test_a_refused_setting_is_shown_on_the_question_and_nothing_is_written(admin_client):
    posted = admin_client.post(
        ADD, form(make_consultation(), [question("single_choice", "Nur eine Wahl?", ["A"])])
    )
    assert posted.status_code == 200
    with translation.override("de"):
        assert "mindestens zwei" in posted.content.decode()
    assert not Survey.objects.exists() and not Question.objects.exists()


def test_conditions_are_chosen_among_the_surveys_saved_questions(admin_client, editor):
    survey = build_survey(
        editor,
        questions=[
            {"kind": "yes_no", "text": "Nutzen Sie die Halle?"},
            {"kind": "short_text", "text": "Wofür?"},
        ],
        publish=False,
    )
    other = build_survey(editor, questions=[{"kind": "yes_no", "text": "Fremde Frage?"}])
    page = admin_client.get(edit_url(survey)).content.decode()
    assert "Nutzen Sie die Halle?" in page and "Fremde Frage?" not in page.split("<option")[-1]
    first, second = survey.questions.order_by("sort_order")
    data = form(
        survey.consultation,
        [
            {**question("yes_no", first.text), "id": first.pk},
            {
                **question(
                    "short_text", second.text, condition_question=first.pk, condition_value="Ja"
                ),
                "id": second.pk,
            },
        ],
        initial=2,
    )
    with translation.override("de"):
        posted = admin_client.post(edit_url(survey), data)
    assert posted.status_code == 302
    second.refresh_from_db()
    assert second.condition_question == first and second.condition_value == "yes"
    # A question of another survey is not a choice (the form refuses it).
    data["questions-1-condition_question"] = other.questions.get().pk
    posted = admin_client.post(edit_url(survey), data)
    assert posted.status_code == 200
    second.refresh_from_db()
    assert second.condition_question == first
