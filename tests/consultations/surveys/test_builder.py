"""Building surveys through ``create_survey`` / ``change_survey`` / ``delete_survey``: every
type's settings checked, conditions only backwards, and what may change once answers exist."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from wagtail.models import ModelLogEntry

from consultations import actions, roles
from consultations.actions.surveys import (
    QuestionError,
    change_survey,
    create_survey,
    delete_survey,
    submit_response,
)
from consultations.models import Answer, Choice, Question, Response, Survey
from tests.factories import make_consultation, make_user

from .conftest import EVERY_KIND, add_condition, build_survey, question_list

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def change(editor, survey, questions, **fields):
    return change_survey(
        editor=editor,
        survey=survey,
        title=fields.pop("title", survey.title),
        questions=questions,
        status=fields.pop("status", survey.status),
        results_visibility=survey.results_visibility,
        allow_without_account=survey.allow_without_account,
        **fields,
    )


def answer_first_question(survey, person=None):
    questions = list(survey.questions.order_by("sort_order"))
    choice = questions[0].choices.first()
    # The first question, and the third (yes/no), which is required too.
    data = MultiValueDict(
        {questions[0].field_name: [str(choice.pk)], questions[2].field_name: ["no"]}
    )
    return submit_response(survey=survey, user=person or make_user(), data=data)


def test_every_type_is_built_in_order_with_its_choices(editor):
    survey = build_survey(editor)
    questions = list(survey.questions.order_by("sort_order"))
    assert [q.kind for q in questions] == [q["kind"] for q in EVERY_KIND]
    assert [c.label for c in questions[0].choices.all()] == ["Nie", "Selten", "Oft"]
    assert questions[5].unit == "€" and questions[5].max_value == 100
    # Settings a type does not use are not kept (a yes/no question has no unit).
    assert questions[2].unit == "" and questions[2].max_value is None
    entry = ModelLogEntry.objects.get(object_id=str(survey.pk), action="wagtail.create")
    assert entry.user_id == editor.pk


@pytest.mark.parametrize(
    ("question", "field", "message"),
    [
        ({"kind": "nonsense"}, "kind", "Choose the type"),
        ({"kind": "single_choice", "choices": [{"label": "A"}]}, "choices", "at least two"),
        (
            {"kind": "single_choice", "choices": [{"label": "A"}, {"label": "a "}]},
            "choices",
            "same text",
        ),
        ({"kind": "ranking", "choices": []}, "choices", "at least two"),
        (
            {
                "kind": "multiple_choice",
                "min_choices": 3,
                "max_choices": 2,
                "choices": [{"label": "A"}, {"label": "B"}, {"label": "C"}],
            },
            "min_choices",
            "larger than the maximum",
        ),
        (
            {
                "kind": "multiple_choice",
                "max_choices": 5,
                "choices": [{"label": "A"}, {"label": "B"}],
            },
            "max_choices",
            "between 1 and",
        ),
        ({"kind": "scale", "min_value": 2, "max_value": 5}, "max_value", "starts at 0 or 1"),
        ({"kind": "scale", "min_value": 1, "max_value": 11}, "max_value", "starts at 0 or 1"),
        ({"kind": "scale", "min_value": 1, "max_value": 2}, "max_value", "starts at 0 or 1"),
        ({"kind": "number", "min_value": 5, "max_value": 5}, "min_value", "smaller"),
        ({"kind": "yes_no", "choices": [{"label": "Vielleicht"}]}, None, "built in"),
        ({"kind": "long_text", "choices": [{"label": "A"}]}, "choices", "no choices"),
        ({"kind": "short_text", "text": "  "}, "text", "needs a text"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_written(editor, question, field, message):
    question.setdefault("text", "Frage?")
    consultation = make_consultation()
    with pytest.raises(QuestionError) as refused:
        create_survey(
            editor=editor,
            consultation=consultation,
            title="Umfrage",
            questions=[{"kind": "yes_no", "text": "Erste?"}, question],
        )
    assert refused.value.index == 1
    assert refused.value.field == field
    assert message in refused.value.message
    assert not Survey.objects.exists() and not Question.objects.exists()


def test_residents_and_moderators_cannot_build_surveys():
    consultation = make_consultation()
    for person in (make_user(), make_user(groups=(roles.SITE_MODERATORS,))):
        with pytest.raises(actions.PermissionDenied):
            create_survey(editor=person, consultation=consultation, title="Umfrage")
    assert not Survey.objects.exists()


def test_publishing_needs_a_question(editor):
    with pytest.raises(actions.ActionError, match="at least one question"):
        create_survey(
            editor=editor,
            consultation=make_consultation(),
            title="Leer",
            status=Survey.Status.PUBLISHED,
        )


def test_a_condition_names_an_earlier_question_and_a_value_it_can_have(editor):
    survey = build_survey(editor)
    # Question 3 (yes/no) shown only if question 1 was answered "Oft" (any case).
    survey = add_condition(editor, survey, question_index=2, source_index=0, value="oft")
    dependent = survey.questions.order_by("sort_order")[2]
    assert dependent.condition_question.text == EVERY_KIND[0]["text"]
    assert dependent.condition_value == "Oft"
    # Yes/no answers are named by their value or their label.
    survey = add_condition(editor, survey, question_index=3, source_index=2, value="Yes")
    assert survey.questions.order_by("sort_order")[3].condition_value == "yes"


@pytest.mark.parametrize(
    ("question_index", "source_index", "value", "message"),
    [
        (0, 2, "yes", "earlier question"),  # forward
        (2, 2, "yes", "earlier question"),  # itself
        (2, 0, "Manchmal", "not an answer"),  # a value the question cannot have
        (6, 5, "12", "choice, yes/no and scale"),  # numbers cannot be conditions
        (6, 3, "7", "not an answer"),  # outside the scale
    ],
)
def test_bad_conditions_are_refused(editor, question_index, source_index, value, message):
    survey = build_survey(editor)
    with pytest.raises(QuestionError, match=message):
        add_condition(
            editor, survey, question_index=question_index, source_index=source_index, value=value
        )
    assert not Question.objects.filter(condition_question__isnull=False).exists()


def test_a_condition_pointing_to_another_survey_is_refused(editor):
    survey = build_survey(editor)
    other = build_survey(editor)
    questions = question_list(survey)
    questions[2]["condition_question"] = other.questions.order_by("sort_order")[0].pk
    questions[2]["condition_value"] = "Oft"
    with pytest.raises(QuestionError, match="earlier question"):
        change(editor, survey, questions)


def test_conditions_need_saved_questions(editor):
    questions = [dict(q) for q in EVERY_KIND]
    questions[2] = {**questions[2], "condition_question": 1, "condition_value": "yes"}
    with pytest.raises(QuestionError):
        create_survey(
            editor=editor, consultation=make_consultation(), title="X", questions=questions
        )
    assert not Survey.objects.exists()


def test_reordering_that_puts_a_condition_before_its_source_is_refused(editor):
    survey = add_condition(
        editor, build_survey(editor), question_index=2, source_index=0, value="Oft"
    )
    questions = question_list(survey)
    questions[0], questions[2] = questions[2], questions[0]
    with pytest.raises(QuestionError, match="earlier question"):
        change(editor, survey, questions)


class TestOnceAnswersExist:
    def test_adding_questions_and_choices_is_fine(self, editor):
        survey = build_survey(editor)
        answer_first_question(survey)
        questions = question_list(survey)
        questions[0]["choices"].append({"label": "Täglich"})
        questions.append({"kind": "yes_no", "text": "Neue Frage?"})
        survey = change(editor, survey, questions)
        assert survey.questions.count() == len(EVERY_KIND) + 1
        assert survey.questions.order_by("sort_order")[0].choices.count() == 4

    def test_removing_an_answered_question_is_refused(self, editor):
        survey = build_survey(editor)
        answer_first_question(survey)
        with pytest.raises(QuestionError, match="has answers and cannot be removed"):
            change(editor, survey, question_list(survey)[1:])
        assert survey.questions.count() == len(EVERY_KIND)

    def test_removing_an_unanswered_question_is_fine(self, editor):
        survey = build_survey(editor)
        answer_first_question(survey)
        survey = change(editor, survey, question_list(survey)[:-1])
        assert survey.questions.count() == len(EVERY_KIND) - 1

    def test_removing_an_answered_choice_is_refused_an_unanswered_one_is_fine(self, editor):
        survey = build_survey(editor)
        answer_first_question(survey)  # chose the first choice, "Nie"
        questions = question_list(survey)
        questions[0]["choices"] = questions[0]["choices"][1:]
        with pytest.raises(QuestionError, match="“Nie” has answers"):
            change(editor, survey, questions)
        questions = question_list(survey)
        questions[0]["choices"] = questions[0]["choices"][:2]
        survey = change(editor, survey, questions)
        assert [c.label for c in survey.questions.order_by("sort_order")[0].choices.all()] == [
            "Nie",
            "Selten",
        ]

    def test_changing_the_type_of_an_answered_question_is_refused(self, editor):
        survey = build_survey(editor)
        answer_first_question(survey)
        questions = question_list(survey)
        questions[0]["kind"] = "multiple_choice"
        with pytest.raises(QuestionError, match="type cannot change"):
            change(editor, survey, questions)

    def test_a_question_of_another_survey_cannot_be_taken_over(self, editor):
        survey, other = build_survey(editor), build_survey(editor)
        questions = question_list(survey)
        questions[0]["id"] = other.questions.first().pk
        with pytest.raises(QuestionError, match="another survey"):
            change(editor, survey, questions)
        assert other.questions.count() == len(EVERY_KIND)

    def test_editors_cannot_delete_a_survey_with_responses_admins_can(self, editor):
        survey = build_survey(editor)
        answer_first_question(survey)
        with pytest.raises(actions.ActionError, match="has responses"):
            delete_survey(editor=editor, survey=survey)
        assert Survey.objects.filter(pk=survey.pk).exists()
        delete_survey(editor=make_user(superuser=True), survey=survey)
        assert not Survey.objects.exists()
        assert not Response.objects.exists() and not Answer.objects.exists()
        assert not Choice.objects.exists()
        assert ModelLogEntry.objects.filter(action="wagtail.delete").count() == 1

    def test_an_unanswered_survey_with_conditions_is_deleted_by_its_editor(self, editor):
        survey = add_condition(
            editor, build_survey(editor), question_index=2, source_index=0, value="Oft"
        )
        delete_survey(editor=editor, survey=survey)
        assert not Question.objects.exists()


def test_phases_of_another_consultation_are_refused(editor):
    other = make_consultation()
    with pytest.raises(actions.ActionError, match="own consultation"):
        create_survey(
            editor=editor,
            consultation=make_consultation(),
            title="X",
            open_in_phases=[other.phases.first()],
        )
    assert not Survey.objects.exists()


def test_the_structure_a_process_keeps_follows_every_change(editor):
    """Answering reads the survey's questions from a per-process copy keyed by when the
    survey was saved: a change through change_survey is seen at once."""
    from consultations import answering

    survey = build_survey(editor, questions=[{"kind": "yes_no", "text": "Erste?"}])
    assert [q.text for q in answering.structure(survey).questions] == ["Erste?"]
    questions = [*question_list(survey), {"kind": "short_text", "text": "Zweite?"}]
    survey = change(editor, survey, questions)
    assert [q.text for q in answering.structure(survey).questions] == ["Erste?", "Zweite?"]
    questions = question_list(survey)
    questions[0]["text"] = "Erste, neu?"
    survey = change(editor, survey, questions)
    assert answering.structure(survey).questions[0].text == "Erste, neu?"
