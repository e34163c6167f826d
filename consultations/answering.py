"""Reading a survey's answers from form data: one path for the answering form (page by page),
the final submit and the staff's paper entry.

Raw data (what a browser posts: strings and lists of strings) is cleaned question by question
by the question's type (``consultations.question_types``). A question whose condition is not
met is hidden: whatever was sent for it is ignored, and it is never required.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.forms import MultipleChoiceField
from django.utils.translation import gettext as _

from consultations.models import Question, Survey
from consultations.question_types import question_type

# What a browser may send for one field: a little more than the longest answer, so that an
# over-long answer gets its message instead of being cut silently.
MAX_RAW_LENGTH = 20_000
MAX_LIST = 100


@dataclass
class SurveyPage:
    number: int
    title: str
    questions: list[Question] = field(default_factory=list)


@dataclass
class Structure:
    """A survey's questions (with their choices) in order, and its pages."""

    survey: Survey
    questions: list[Question]
    pages: list[SurveyPage]

    def page_of(self, question: Question) -> int:
        for page in self.pages:
            if question in page.questions:
                return page.number
        return 1


# Per process: (survey id, when the survey was last saved) → its structure. Every change of
# questions or choices goes through change_survey, which saves the survey (its ``modified``).
_STRUCTURES: dict[tuple[int, object], Structure] = {}
_STRUCTURES_MAX = 64


def structure(survey: Survey) -> Structure:
    """The questions of a survey with their choices: one small query when this process has
    them already for the survey as last saved, else three."""
    modified = Survey.objects.filter(pk=survey.pk).values_list("modified", flat=True).first()
    key = (survey.pk, modified)
    cached = _STRUCTURES.get(key)
    if cached is not None:
        return Structure(survey=survey, questions=cached.questions, pages=cached.pages)
    built = _build_structure(survey)
    if len(_STRUCTURES) >= _STRUCTURES_MAX:
        _STRUCTURES.clear()
    _STRUCTURES[key] = built
    return built


def _build_structure(survey: Survey) -> Structure:
    questions = list(
        Question.objects.filter(survey=survey)
        .select_related("condition_question")
        .prefetch_related("choices")
        .order_by("sort_order", "pk")
    )
    pages: list[SurveyPage] = []
    for question in questions:
        if not pages or (question.section_title and pages[-1].questions):
            pages.append(SurveyPage(number=len(pages) + 1, title=question.section_title))
        elif question.section_title and not pages[-1].title:
            pages[-1].title = question.section_title
        pages[-1].questions.append(question)
    return Structure(survey=survey, questions=questions, pages=pages)


def choices_of(question: Question) -> list:
    return list(question.choices.all())


def is_shown(question: Question, values: Mapping[int, Any], shown: set[int], by_pk) -> bool:
    """A question without condition is shown; one with a condition only if the earlier
    question it names is shown and its answer meets the condition."""
    if question.condition_question_id is None:
        return True
    source = by_pk.get(question.condition_question_id)
    if source is None or source.pk not in shown:
        return False
    value = values.get(source.pk)
    if value is None:
        return False
    kind = question_type(source.kind)
    return bool(kind and kind.matches(source, choices_of(source), value, question.condition_value))


@dataclass
class Cleaned:
    values: dict[int, Any]
    """Question id → the type's clean value, for shown questions that were answered."""
    errors: dict[int, str]
    """Question id → what is wrong, for shown questions only."""
    shown: set[int]


def clean(
    survey_structure: Structure, data: Mapping[str, Any], *, upto_page: int | None = None
) -> Cleaned:
    """Clean ``data`` for every question (or those on pages up to ``upto_page``)."""
    by_pk = {question.pk: question for question in survey_structure.questions}
    values: dict[int, Any] = {}
    errors: dict[int, str] = {}
    shown: set[int] = set()
    for page in survey_structure.pages:
        if upto_page is not None and page.number > upto_page:
            break
        for question in page.questions:
            if not is_shown(question, values, shown, by_pk):
                continue
            shown.add(question.pk)
            kind = question_type(question.kind)
            if kind is None:
                continue
            try:
                value = kind.clean(question, choices_of(question), data)
            except ValidationError as error:
                errors[question.pk] = " ".join(error.messages)
                continue
            if value is None:
                if question.required:
                    errors[question.pk] = _("Please answer this question.")
                continue
            values[question.pk] = value
    return Cleaned(values=values, errors=errors, shown=shown)


def raw_data_for(questions, data: Mapping[str, Any]) -> dict[str, Any]:
    """The form fields of ``questions`` as plain JSON-ready values (kept in the session
    between pages). A field the browser did not send is empty (an unticked box)."""
    kept: dict[str, Any] = {}
    for question in questions:
        kind = question_type(question.kind)
        if kind is None:
            continue
        for name, form_field in kind.fields(question, choices_of(question)).items():
            if isinstance(form_field, MultipleChoiceField):
                items = data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []
                kept[name] = [str(item)[:100] for item in list(items)[:MAX_LIST]]
            else:
                value = data.get(name, "")
                kept[name] = str(value)[:MAX_RAW_LENGTH] if value is not None else ""
    return kept


def raw_data_of_response(survey_structure: Structure, response) -> dict[str, Any]:
    """A stored response as form data (so a person changing their answers sees them)."""
    by_question: dict[int, list] = {}
    for answer in response.answers.all():
        by_question.setdefault(answer.question_id, []).append(answer)
    data: dict[str, Any] = {}
    for question in survey_structure.questions:
        kind = question_type(question.kind)
        answers = by_question.get(question.pk)
        if kind is not None and answers:
            data.update(kind.from_answers(question, answers))
    return data


def page_may_show(survey_structure: Structure, page: SurveyPage, cleaned: Cleaned) -> bool:
    """Whether a page has a question that may be shown given the answers before it: a
    question whose condition names an earlier page is decided; one whose condition is on
    the same page may still appear."""
    by_pk = {question.pk: question for question in survey_structure.questions}
    on_page = {question.pk for question in page.questions}
    for question in page.questions:
        source_id = question.condition_question_id
        if source_id is None or source_id in on_page:
            return True
        if is_shown(question, cleaned.values, cleaned.shown, by_pk):
            return True
    return False
