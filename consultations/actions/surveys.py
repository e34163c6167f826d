"""Surveys: staff build them (with their questions and choices), people answer them, staff
enter paper responses.

The Wagtail admin, the demo loader and scripts call the same functions, so every way in asks
the same named rule, validates the same way and writes one entry of Wagtail's audit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import rules
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from consultations import answering, realtime
from consultations.actions import ActionError, PermissionDenied
from consultations.models import (
    Answer,
    Choice,
    Consultation,
    District,
    Phase,
    Question,
    Response,
    Survey,
    User,
)
from consultations.predicates import is_resident
from consultations.question_types import SetupError, question_type
from consultations.sanitising import clean_plain_text
from consultations.survey_timing import results_are_public

QUESTION_SETTINGS = (
    "min_choices",
    "max_choices",
    "allow_other",
    "min_value",
    "max_value",
    "unit",
    "label_low",
    "label_high",
)
SETTING_BLANKS = {
    "min_choices": None,
    "max_choices": None,
    "allow_other": False,
    "min_value": None,
    "max_value": None,
    "unit": "",
    "label_low": "",
    "label_high": "",
}
MAX_QUESTIONS = 100
MAX_CHOICES = 50


class QuestionError(ActionError):
    """A question was refused; ``index`` is its place in the list the caller gave (the admin
    shows the message on that question's form), ``field`` the setting at fault."""

    def __init__(self, message, *, index: int | None, field: str | None = None, code="question"):
        super().__init__(message, code=code)
        self.index = index
        self.field = field


class AnswersInvalid(ActionError):
    """Some answers were refused: ``errors`` maps question ids to what is wrong."""

    def __init__(self, errors: Mapping[int, str]):
        super().__init__(_("Some answers need your attention."), code="answers")
        self.errors = dict(errors)


# --- building ----------------------------------------------------------------------------------


def _clean_survey_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    title = clean_plain_text(fields.get("title") or "")
    if not title:
        raise ActionError(_("The survey needs a title."), code="title")
    if len(title) > 200:
        raise ActionError(_("The title is too long (at most 200 characters)."), code="title")
    description = (fields.get("description") or "").strip()
    if len(description) > 2000:
        raise ActionError(
            _("The introduction is too long (at most 2000 characters)."), code="description"
        )
    status = fields.get("status") or Survey.Status.DRAFT
    if status not in Survey.Status.values:
        raise ActionError(_("Unknown status."), code="status")
    results = fields.get("results_visibility") or Survey.ResultsVisibility.AFTER
    if results not in Survey.ResultsVisibility.values:
        raise ActionError(_("Unknown choice for the results."), code="results_visibility")
    return {
        "title": title,
        "description": description,
        "status": status,
        "results_visibility": results,
        "allow_without_account": bool(fields.get("allow_without_account")),
    }


def _pk(value) -> int | None:
    if value in (None, ""):
        return None
    return int(getattr(value, "pk", value))


def _clean_questions(questions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The questions as plain dicts, each checked by its type; conditions may only name an
    earlier question of the list and a value that question can have."""
    if len(questions) > MAX_QUESTIONS:
        raise QuestionError(
            _("A survey has at most %(max)s questions.") % {"max": MAX_QUESTIONS}, index=None
        )
    cleaned: list[dict[str, Any]] = []
    for index, raw in enumerate(questions):
        kind = question_type(raw.get("kind") or "")
        if kind is None:
            raise QuestionError(_("Choose the type of question."), index=index, field="kind")
        text = clean_plain_text(raw.get("text") or "")
        if not text:
            raise QuestionError(_("The question needs a text."), index=index, field="text")
        if len(text) > 500:
            raise QuestionError(
                _("The question is too long (at most 500 characters)."), index=index, field="text"
            )
        choices = [
            {"id": _pk(choice.get("id")), "label": clean_plain_text(choice.get("label") or "")}
            for choice in raw.get("choices") or []
        ]
        choices = [choice for choice in choices if choice["label"]]
        if len(choices) > MAX_CHOICES:
            raise QuestionError(
                _("A question has at most %(max)s choices.") % {"max": MAX_CHOICES},
                index=index,
                field="choices",
            )
        if any(len(choice["label"]) > 200 for choice in choices):
            raise QuestionError(
                _("A choice is too long (at most 200 characters)."), index=index, field="choices"
            )
        data = {
            "id": _pk(raw.get("id")),
            "kind": kind.key,
            "text": text,
            "help_text": clean_plain_text(raw.get("help_text") or "")[:500],
            "required": bool(raw.get("required")),
            "section_title": clean_plain_text(raw.get("section_title") or "")[:200],
        }
        for name in QUESTION_SETTINGS:
            value = raw.get(name)
            if name not in kind.settings or value in (None, ""):
                value = SETTING_BLANKS[name]
            elif name in ("unit", "label_low", "label_high"):
                value = clean_plain_text(value)[:60]
            data[name] = value
        if not kind.has_choices:
            data_choices = [choice["label"] for choice in choices]
        else:
            data_choices = [choice["label"] for choice in choices]
        try:
            kind.check_setup(data, data_choices)
        except SetupError as error:
            raise QuestionError(error.message, index=index, field=error.field) from error
        data["choices"] = choices if kind.has_choices else []
        data["condition_question"], data["condition_value"] = _clean_condition(raw, index, cleaned)
        cleaned.append(data)
    return cleaned


def _clean_condition(raw, index, earlier: list[dict[str, Any]]) -> tuple[int | None, str]:
    source_id = _pk(raw.get("condition_question"))
    wanted = clean_plain_text(raw.get("condition_value") or "")
    if source_id is None:
        if wanted:
            raise QuestionError(
                _("Choose the earlier question the condition refers to."),
                index=index,
                field="condition_question",
            )
        return None, ""
    source = next((data for data in earlier if data["id"] == source_id), None)
    if source is None:
        raise QuestionError(
            _("A question can only depend on an earlier question of this survey."),
            index=index,
            field="condition_question",
        )
    kind = question_type(source["kind"])
    if kind.condition_values is None:
        raise QuestionError(
            _("Conditions can refer to choice, yes/no and scale questions only."),
            index=index,
            field="condition_question",
        )
    as_question = SimpleNamespace(**{k: v for k, v in source.items() if k != "choices"})
    as_choices = [SimpleNamespace(pk=c["id"], label=c["label"]) for c in source["choices"]]
    options = kind.condition_values(as_question, as_choices)
    for value, label in options:
        # Built-in answers (yes/no) may be named in any of the site's languages.
        names = {str(value).casefold(), str(label).casefold()}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                names.add(str(label).casefold())
        if wanted.casefold() in names:
            return source_id, str(value)
    raise QuestionError(
        _("“%(value)s” is not an answer of the earlier question. Possible: %(options)s.")
        % {"value": wanted, "options": ", ".join(str(label) for _value, label in options)},
        index=index,
        field="condition_value",
    )


def _write_questions(survey: Survey, questions: list[dict[str, Any]]) -> None:
    """Make the survey's questions (and their choices) exactly ``questions``. Questions and
    choices that have answers cannot be removed, nor can a question change its type then."""
    existing = {question.pk: question for question in survey.questions.all()}
    answered = set(
        Answer.objects.filter(question__survey=survey).values_list("question_id", flat=True)
    )
    answered_choices = set(
        Answer.objects.filter(question__survey=survey, choice__isnull=False).values_list(
            "choice_id", flat=True
        )
    )
    kept: list[int] = []
    written: list[tuple[Question, dict]] = []
    for index, data in enumerate(questions):
        question = existing.get(data["id"]) if data["id"] else None
        if data["id"] and question is None:
            raise QuestionError(_("This question belongs to another survey."), index=index)
        if question is not None and question.kind != data["kind"] and question.pk in answered:
            raise QuestionError(
                _("This question has answers: its type cannot change."), index=index, field="kind"
            )
        if question is None:
            question = Question(survey=survey)
        for name in ("kind", "text", "help_text", "required", "section_title", *QUESTION_SETTINGS):
            setattr(question, name, data[name])
        question.sort_order = index
        question.condition_question = None
        question.condition_value = ""
        question.save()
        kept.append(question.pk)
        written.append((question, data))
        _write_choices(question, data["choices"], answered_choices, index)
    for question, data in written:
        if data["condition_question"]:
            question.condition_question_id = data["condition_question"]
            question.condition_value = data["condition_value"]
            question.save(update_fields=["condition_question", "condition_value"])
    doomed = [question for pk, question in existing.items() if pk not in kept]
    for question in doomed:
        if question.pk in answered:
            raise QuestionError(
                _("The question “%(text)s” has answers and cannot be removed.")
                % {"text": question.text},
                index=None,
                code="answered",
            )
    Question.objects.filter(pk__in=[question.pk for question in doomed]).delete()


def _write_choices(question: Question, choices, answered_choices: set[int], index: int) -> None:
    existing = {choice.pk: choice for choice in Choice.objects.filter(question=question)}
    kept = []
    for order, data in enumerate(choices):
        choice = existing.get(data["id"]) if data["id"] else None
        if data["id"] and choice is None:
            raise QuestionError(_("This choice belongs to another question."), index=index)
        if choice is None:
            choice = Choice(question=question)
        choice.label = data["label"]
        choice.sort_order = order
        choice.save()
        kept.append(choice.pk)
    for pk, choice in existing.items():
        if pk in kept:
            continue
        if pk in answered_choices:
            raise QuestionError(
                _("The choice “%(label)s” has answers and cannot be removed.")
                % {"label": choice.label},
                index=index,
                field="choices",
                code="answered",
            )
        choice.delete()


def _check_publishable(fields, questions) -> None:
    if fields["status"] == Survey.Status.PUBLISHED and not questions:
        raise ActionError(_("A survey needs at least one question to be published."), code="status")


def _set_phases(survey: Survey, consultation: Consultation, open_in_phases: Iterable) -> None:
    phases = list(open_in_phases or [])
    ids = {_pk(phase) for phase in phases}
    own = set(Phase.objects.filter(consultation=consultation).values_list("pk", flat=True))
    if not ids <= own:
        raise ActionError(
            _("Choose phases of the survey's own consultation."), code="open_in_phases"
        )
    survey.open_in_phases.set(sorted(ids))


def create_survey(
    *,
    editor: User,
    consultation: Consultation,
    title: str,
    questions: Sequence[Mapping[str, Any]] = (),
    description: str = "",
    status: str = Survey.Status.DRAFT,
    results_visibility: str = Survey.ResultsVisibility.AFTER,
    allow_without_account: bool = False,
    open_in_phases: Iterable[Phase] = (),
) -> Survey:
    """Set up a survey in a consultation with its questions (each a mapping of kind, text,
    settings, an optional condition and a list of choices).

    Who: editors and admins (``consultations.add_survey``). Writes the survey, its questions
    and choices and a ``wagtail.create`` entry in the audit log, all or nothing. Broadcasts
    nothing (nobody watches a survey that did not exist).
    """
    if not rules.has_perm("consultations.add_survey", editor):
        raise PermissionDenied()
    if consultation is None:
        raise ActionError(_("Choose the consultation of the survey."), code="consultation")
    fields = _clean_survey_fields(
        {
            "title": title,
            "description": description,
            "status": status,
            "results_visibility": results_visibility,
            "allow_without_account": allow_without_account,
        }
    )
    cleaned = _clean_questions([{**question, "id": None} for question in questions])
    if any(question["condition_question"] for question in cleaned):
        raise QuestionError(
            _("Save the survey first, then add conditions to its questions."),
            index=next(i for i, q in enumerate(cleaned) if q["condition_question"]),
            field="condition_question",
        )
    _check_publishable(fields, cleaned)
    with transaction.atomic():
        survey = Survey.objects.create(consultation=consultation, **fields)
        _set_phases(survey, consultation, open_in_phases)
        _write_questions(survey, cleaned)
        log(instance=survey, action="wagtail.create", user=editor, content_changed=True)
    return survey


def change_survey(
    *,
    editor: User,
    survey: Survey,
    title: str,
    questions: Sequence[Mapping[str, Any]],
    description: str = "",
    status: str = Survey.Status.DRAFT,
    results_visibility: str = Survey.ResultsVisibility.AFTER,
    allow_without_account: bool = False,
    open_in_phases: Iterable[Phase] = (),
) -> Survey:
    """Change a survey and its questions together: ``questions`` is the whole new list (with
    the ``id`` of an existing question it changes that one; without, it is new; questions not
    listed are removed). Adding questions is fine once answers exist; removing a question or a
    choice that has answers, or changing an answered question's type, is refused.

    Who: editors and admins (``consultations.change_survey``). Writes the survey, its
    questions and choices and a ``wagtail.edit`` entry, all or nothing. The consultation
    stays (answers belong to it).
    """
    if not rules.has_perm("consultations.change_survey", editor, survey):
        raise PermissionDenied()
    fields = _clean_survey_fields(
        {
            "title": title,
            "description": description,
            "status": status,
            "results_visibility": results_visibility,
            "allow_without_account": allow_without_account,
        }
    )
    cleaned = _clean_questions(questions)
    _check_publishable(fields, cleaned)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        were_public = results_are_public(survey)
        for name, value in fields.items():
            setattr(survey, name, value)
        survey.save()
        _set_phases(survey, survey.consultation, open_in_phases)
        _write_questions(survey, cleaned)
        log(instance=survey, action="wagtail.edit", user=editor, content_changed=True)
        survey = Survey.objects.get(pk=survey.pk)
        if were_public and not results_are_public(survey):
            # Open results pages reload: whoever may no longer see the results then doesn't.
            realtime.send_state_on_commit(
                realtime.survey_results_group(survey.pk),
                realtime.EventType.SURVEY_RESULTS_WITHDRAWN,
                lambda: {"survey": survey.pk},
            )
    return survey


def delete_survey(*, editor: User, survey: Survey) -> None:
    """Delete a survey with its questions.

    Who: ``consultations.delete_survey`` (editors and admins). A survey that has responses is
    part of the consultation's record: only admins may delete it (with its responses);
    editors are told to unpublish it instead. Writes a ``wagtail.delete`` log entry.
    """
    if not rules.has_perm("consultations.delete_survey", editor, survey):
        raise PermissionDenied()
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        responses = Response.objects.filter(survey=survey)
        if responses.exists():
            if not editor.is_superuser:
                raise ActionError(
                    _(
                        "This survey has responses and cannot be deleted. Set it back to "
                        "draft to take it offline; an administrator can delete it."
                    ),
                    code="has_responses",
                )
            Answer.objects.filter(response__survey=survey).delete()
            responses.delete()
        log(instance=survey, action="wagtail.delete", user=editor, deleted=True)
        Question.objects.filter(survey=survey).update(condition_question=None, condition_value="")
        survey.delete()


# --- answering ---------------------------------------------------------------------------------


def _check_token_rate(client_ip: str) -> None:
    """Responses without an account, per network address and hour (schools and offices share
    one address, so the limit is generous; it stops scripted stuffing, not determined fraud —
    which is why such responses are counted apart in results and exports)."""
    limit = settings.SURVEY_RESPONSES_WITHOUT_ACCOUNT_PER_HOUR
    key = f"survey-token-rate:{client_ip or 'unknown'}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout=3600)
        count = 1
    if count > limit:
        raise ActionError(
            _(
                "Many responses without an account came from your network in the last hour. "
                "Please try again later, or sign in to answer."
            ),
            code="rate_limited",
        )


def _write_answers(
    response: Response, survey_structure, values: Mapping[int, Any], *, replace: bool = True
) -> None:
    by_pk = {question.pk: question for question in survey_structure.questions}
    rows = []
    for question_id, value in values.items():
        question = by_pk[question_id]
        for fields in question_type(question.kind).to_answers(question, value):
            rows.append(Answer(response=response, question=question, **fields))
    if replace:
        Answer.objects.filter(response=response).delete()
    Answer.objects.bulk_create(rows)


def _announce_results(survey: Survey) -> None:
    """Counts for everyone watching the results, at most once per
    ``SURVEY_RESULTS_COALESCE_SECONDS`` per process (each push recomputes every figure: a
    fixed number of queries, but over all responses)."""
    from consultations.results import public_results_payload

    realtime.broadcast_state_coalesced(
        realtime.survey_results_group(survey.pk),
        realtime.EventType.SURVEY_RESULTS_CHANGED,
        f"survey-results:{survey.pk}",
        lambda: public_results_payload(Survey.objects.get(pk=survey.pk)),
        delay=settings.SURVEY_RESULTS_COALESCE_SECONDS,
    )


def _clean_or_refuse(survey: Survey, data: Mapping[str, Any]):
    survey_structure = answering.structure(survey)
    cleaned = answering.clean(survey_structure, data)
    if cleaned.errors:
        raise AnswersInvalid(cleaned.errors)
    if not cleaned.values:
        raise ActionError(_("Please answer at least one question."), code="empty")
    return survey_structure, cleaned


def submit_response(
    *,
    survey: Survey,
    user: User,
    data: Mapping[str, Any],
    token: str = "",
    client_ip: str = "",
) -> Response:
    """Store a person's answers to a survey (all pages at once), or replace their earlier
    answers: one response per account, or per browser token where the survey takes answers
    without an account (then limited per network address).

    Who: ``consultations.answer_survey`` (while its ``answer`` verb is open). ``data`` is raw
    form data; every answer is checked by its question's type and nothing is written if one
    is refused (``AnswersInvalid`` says which). Answers to questions hidden by a condition are
    ignored. Broadcasts the public counts (coalesced) after commit.
    """
    if not rules.has_perm("consultations.answer_survey", user, survey):
        raise PermissionDenied()
    if is_resident(user):
        lookup = {"source": Response.Source.ACCOUNT, "user": user}
        district_id = user.district_id
    else:
        token = (token or "").strip()
        if not token or len(token) > 64:
            raise ActionError(
                _("Your browser did not keep the survey's cookie. Please allow it and retry."),
                code="token",
            )
        lookup = {"source": Response.Source.TOKEN, "token": token}
        district_id = None
    survey_structure, cleaned = _clean_or_refuse(survey, data)
    with transaction.atomic():
        response = Response.objects.select_for_update().filter(survey=survey, **lookup).first()
        new = response is None
        if new:
            if lookup["source"] == Response.Source.TOKEN:
                _check_token_rate(client_ip)
            try:
                with transaction.atomic():
                    response = Response.objects.create(
                        survey=survey, district_id=district_id, **lookup
                    )
            except IntegrityError:
                # The same person submitted twice at once: the other submit made the row.
                response = Response.objects.select_for_update().get(survey=survey, **lookup)
                new = False
        if not new:
            response.save(update_fields=["modified"])
        _write_answers(response, survey_structure, cleaned.values, replace=not new)
        _announce_results(survey)
    return response


def enter_paper_response(
    *, staff: User, survey: Survey, data: Mapping[str, Any], district: District | None = None
) -> Response:
    """Enter the answers of a paper form, marked as such (also after the survey closed: the
    forms were collected while it ran), with the district the form names, if any.

    Who: ``consultations.manage_survey``. Checked like answers given online; writes a new
    response with source "paper" and the staff member who entered it, and a log entry.
    """
    if not rules.has_perm("consultations.manage_survey", staff, survey):
        raise PermissionDenied()
    if not survey.is_published:
        raise ActionError(_("Publish the survey before entering responses."), code="draft")
    survey_structure, cleaned = _clean_or_refuse(survey, data)
    with transaction.atomic():
        response = Response.objects.create(
            survey=survey, source=Response.Source.PAPER, entered_by=staff, district=district
        )
        _write_answers(response, survey_structure, cleaned.values, replace=False)
        log(
            instance=survey,
            action="mitreden.survey_paper_response",
            user=staff,
            data={"response": str(response.public_id)},
        )
        _announce_results(survey)
    return response
