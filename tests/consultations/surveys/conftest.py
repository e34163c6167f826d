"""Surveys built the way staff build them: through ``create_survey`` / ``change_survey``."""

from __future__ import annotations

import pytest

from consultations import roles
from consultations.actions.surveys import change_survey, create_survey
from consultations.models import Survey
from tests.factories import make_consultation, make_user

EVERY_KIND = [
    {
        "kind": "single_choice",
        "text": "Wie oft besuchen Sie die Stadthalle?",
        "required": True,
        "allow_other": True,
        "choices": [{"label": "Nie"}, {"label": "Selten"}, {"label": "Oft"}],
    },
    {
        "kind": "multiple_choice",
        "text": "Wofür soll die Halle genutzt werden?",
        "min_choices": 1,
        "max_choices": 2,
        "choices": [{"label": "Konzerte"}, {"label": "Sport"}, {"label": "Märkte"}],
    },
    {"kind": "yes_no", "text": "Soll die Halle saniert werden?", "required": True},
    {
        "kind": "scale",
        "text": "Wie zufrieden sind Sie heute?",
        "min_value": 1,
        "max_value": 5,
        "label_low": "gar nicht",
        "label_high": "sehr",
        "section_title": "Ihre Meinung",
    },
    {
        "kind": "ranking",
        "text": "Was ist Ihnen am wichtigsten?",
        "choices": [{"label": "Preis"}, {"label": "Lage"}, {"label": "Barrierefreiheit"}],
    },
    {
        "kind": "number",
        "text": "Wie viel Eintritt ist angemessen?",
        "min_value": 0,
        "max_value": 100,
        "unit": "€",
    },
    {"kind": "date", "text": "Wann waren Sie zuletzt dort?"},
    {
        "kind": "short_text",
        "text": "Ihr Lieblingsort in der Halle?",
        "section_title": "Zum Schluss",
    },
    {"kind": "long_text", "text": "Was möchten Sie uns noch sagen?"},
]


@pytest.fixture
def editor(db):
    return make_user(groups=(roles.EDITORS,))


def build_survey(editor, *, consultation=None, questions=EVERY_KIND, publish=True, **fields):
    consultation = consultation or make_consultation()
    survey = create_survey(
        editor=editor,
        consultation=consultation,
        title=fields.pop("title", "Umfrage zur Stadthalle"),
        questions=questions,
        status=Survey.Status.PUBLISHED if publish else Survey.Status.DRAFT,
        **fields,
    )
    return survey


def question_list(survey) -> list[dict]:
    """The survey's questions as ``change_survey`` takes them (to change a copy)."""
    result = []
    for question in survey.questions.order_by("sort_order"):
        item = {
            name: getattr(question, name)
            for name in (
                "kind",
                "text",
                "help_text",
                "required",
                "section_title",
                "min_choices",
                "max_choices",
                "allow_other",
                "min_value",
                "max_value",
                "unit",
                "label_low",
                "label_high",
                "condition_value",
            )
        }
        item["id"] = question.pk
        item["condition_question"] = question.condition_question_id
        item["choices"] = [
            {"id": choice.pk, "label": choice.label} for choice in question.choices.all()
        ]
        result.append(item)
    return result


def add_condition(editor, survey, *, question_index: int, source_index: int, value: str):
    questions = question_list(survey)
    questions[question_index]["condition_question"] = questions[source_index]["id"]
    questions[question_index]["condition_value"] = value
    return change_survey(
        editor=editor,
        survey=survey,
        title=survey.title,
        questions=questions,
        status=survey.status,
        results_visibility=survey.results_visibility,
        allow_without_account=survey.allow_without_account,
    )
