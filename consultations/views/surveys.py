"""Answering a survey page by page, and its results.

Everything works without JavaScript: each page is a form POST; answers of earlier pages are
kept in the session (server-side) and only the last page's submit writes, through the
``submit_response`` action. A person who answered sees their answers again and may change
them while the survey takes answers. Where a survey takes answers without an account, the
browser gets a signed cookie with a random token (one response per browser).
"""

from __future__ import annotations

import secrets

import rules
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consultations import answering, selectors, survey_exports
from consultations.actions import ActionError
from consultations.actions import surveys as actions
from consultations.models import Answer, Question, Response, Survey
from consultations.question_types import question_type
from consultations.results import survey_results
from consultations.survey_timing import closes_at, has_closed, opens_at, results_are_public
from participation.client_addresses import client_ip

TOKEN_COOKIE = "mitreden_survey"
TOKEN_SALT = "mitreden.survey-token"
TOKEN_MAX_AGE = 60 * 60 * 24 * 400


def _survey_for(request, pk) -> Survey:
    survey = get_object_or_404(
        Survey.objects.select_related("consultation").prefetch_related(
            "consultation__phases", "open_in_phases"
        ),
        pk=pk,
    )
    if not rules.has_perm("consultations.view_survey", request.user, survey):
        raise Http404
    return survey


def _browser_token(request) -> str:
    try:
        return request.get_signed_cookie(
            TOKEN_COOKIE, default="", salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE
        )
    except signing.BadSignature:
        return ""


def _uses_token(request, survey) -> bool:
    from consultations.predicates import is_resident

    return survey.allow_without_account and not is_resident(request.user)


def _existing_response(request, survey, token: str) -> Response | None:
    if request.user.is_authenticated and not _uses_token(request, survey):
        lookup = {"source": Response.Source.ACCOUNT, "user": request.user}
    elif token:
        lookup = {"source": Response.Source.TOKEN, "token": token}
    else:
        return None
    return Response.objects.filter(survey=survey, **lookup).prefetch_related("answers").first()


def _session_key(survey) -> str:
    return f"survey-answers-{survey.pk}"


def _page_number(raw, last: int) -> int:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), last)


def question_context(structure, question, data, errors, number) -> dict:
    """What one question's template needs: its fields' values from ``data`` and its error."""
    kind = question_type(question.kind)
    choices = answering.choices_of(question)
    by_pk = {q.pk: q for q in structure.questions}
    source = by_pk.get(question.condition_question_id)
    same_page = bool(source and structure.page_of(source) == structure.page_of(question))
    value = data.get(question.field_name, "")
    return {
        "question": question,
        "number": number,
        "kind": kind,
        "template": f"consultations/surveys/questions/{kind.template}.html",
        "name": question.field_name,
        "value": value,
        "values": value if isinstance(value, list) else [value] if value else [],
        "other": data.get(f"{question.field_name}_other", ""),
        "choices": [
            {
                "pk": choice.pk,
                "label": choice.label,
                "name": f"{question.field_name}_c{choice.pk}",
                "place": data.get(f"{question.field_name}_c{choice.pk}", ""),
            }
            for choice in choices
        ],
        "places": range(1, len(choices) + 1),
        "scale": _scale_points(question) if kind.key == "scale" else [],
        "error": errors.get(question.pk, ""),
        "condition_source": source,
        "condition_source_number": structure.questions.index(source) + 1 if source else None,
        "condition_on_page": same_page,
        "max_length": kind.extra.get("max_length"),
    }


def _scale_points(question) -> list[dict]:
    low = int(question.min_value) if question.min_value is not None else 1
    high = int(question.max_value) if question.max_value is not None else 5
    points = []
    for point in range(low, high + 1):
        label = ""
        if point == low:
            label = question.label_low
        elif point == high:
            label = question.label_high
        points.append({"value": str(point), "label": label})
    return points


def _render_page(request, survey, structure, page, data, errors, *, status=200, response=None):
    numbers = {question.pk: index for index, question in enumerate(structure.questions, 1)}
    questions = [
        question_context(structure, question, data, errors, numbers[question.pk])
        for question in page.questions
    ]
    context = {
        "survey": survey,
        "consultation": survey.consultation,
        "survey_page": page,
        "page_count": len(structure.pages),
        "questions": questions,
        "errors": [item for item in questions if item["error"]],
        "response": response,
        "may_answer": rules.has_perm("consultations.answer_survey", request.user, survey),
        "would_answer": not request.user.is_authenticated
        and not survey.allow_without_account
        and selectors.would_resident_be_allowed("consultations.answer_survey", survey),
        "may_see_results": rules.has_perm(
            "consultations.view_survey_results", request.user, survey
        ),
        "may_manage": rules.has_perm("consultations.manage_survey", request.user, survey),
        "opens": opens_at(survey),
        "closes": closes_at(survey),
        "closed": has_closed(survey),
        "uses_token": _uses_token(request, survey),
    }
    return render(request, "consultations/surveys/survey.html", context, status=status)


@require_http_methods(["GET", "POST"])
def survey_detail(request, pk):
    survey = _survey_for(request, pk)
    structure = answering.structure(survey)
    if not structure.pages:
        return render(
            request,
            "consultations/surveys/survey.html",
            {"survey": survey, "consultation": survey.consultation, "survey_page": None},
        )
    token = _browser_token(request) if _uses_token(request, survey) else ""
    response = _existing_response(request, survey, token)
    stored = request.session.get(_session_key(survey))
    data = (stored or {}).get("data")
    if data is None:
        data = answering.raw_data_of_response(structure, response) if response else {}
    last = len(structure.pages)
    number = _page_number(request.POST.get("page") or request.GET.get("seite"), last)
    page = structure.pages[number - 1]

    if request.method == "GET":
        return _render_page(request, survey, structure, page, data, {}, response=response)

    if not rules.has_perm("consultations.answer_survey", request.user, survey):
        messages.error(request, _("This survey does not take answers from you at the moment."))
        return _render_page(
            request, survey, structure, page, data, {}, status=403, response=response
        )

    data = {**data, **answering.raw_data_for(page.questions, request.POST)}
    request.session[_session_key(survey)] = {"data": data}
    base = reverse("survey_detail", args=[survey.pk])

    if "back" in request.POST:
        previous = _previous_page(structure, number, data)
        return redirect(f"{base}?seite={previous}#survey")

    cleaned = answering.clean(structure, data, upto_page=number)
    page_ids = {question.pk for question in page.questions}
    page_errors = {pk: message for pk, message in cleaned.errors.items() if pk in page_ids}
    if page_errors:
        return _render_page(request, survey, structure, page, data, page_errors, response=response)

    following = _next_page(structure, number, cleaned)
    if following is not None:
        return redirect(f"{base}?seite={following}#survey")

    try:
        if _uses_token(request, survey) and not token:
            raise ActionError(
                _("Your browser did not keep the survey's cookie. Please allow it and retry."),
                code="token",
            )
        actions.submit_response(
            survey=survey,
            user=request.user,
            data=data,
            token=token,
            client_ip=client_ip(request),
        )
    except actions.AnswersInvalid as error:
        first = min(structure.page_of(q) for q in structure.questions if q.pk in error.errors)
        return _render_page(
            request,
            survey,
            structure,
            structure.pages[first - 1],
            data,
            error.errors,
            response=response,
        )
    except ActionError as error:
        messages.error(request, error.message)
        return _render_page(
            request, survey, structure, page, data, {}, status=400, response=response
        )
    request.session.pop(_session_key(survey), None)
    if response:
        messages.success(request, _("Thank you: your changed answers are saved."))
    else:
        messages.success(request, _("Thank you for taking part: your answers are saved."))
    target = (
        "survey_results"
        if rules.has_perm("consultations.view_survey_results", request.user, survey)
        else "survey_detail"
    )
    return redirect(reverse(target, args=[survey.pk]))


def _next_page(structure, number: int, cleaned) -> int | None:
    for page in structure.pages[number:]:
        if answering.page_may_show(structure, page, cleaned):
            return page.number
    return None


def _previous_page(structure, number: int, data) -> int:
    for page in reversed(structure.pages[: number - 1]):
        cleaned = answering.clean(structure, data, upto_page=page.number - 1)
        if answering.page_may_show(structure, page, cleaned):
            return page.number
    return 1


def survey_token_view(view):
    """Give browsers a survey token cookie when the survey takes answers without an account."""

    def wrapped(request, pk, *args, **kwargs):
        response = view(request, pk, *args, **kwargs)
        if request.user.is_authenticated or _browser_token(request):
            return response
        survey = Survey.objects.filter(pk=pk, allow_without_account=True).only("pk").first()
        if survey is not None:
            response.set_signed_cookie(
                TOKEN_COOKIE,
                secrets.token_urlsafe(24),
                salt=TOKEN_SALT,
                max_age=TOKEN_MAX_AGE,
                secure=not settings.DEBUG and request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


survey_detail = survey_token_view(survey_detail)


@require_GET
def results(request, pk):
    survey = _survey_for(request, pk)
    may_see = rules.has_perm("consultations.view_survey_results", request.user, survey)
    context = {
        "survey": survey,
        "consultation": survey.consultation,
        "may_see": may_see,
        "public": results_are_public(survey),
        "closes": closes_at(survey),
        "may_manage": rules.has_perm("consultations.manage_survey", request.user, survey),
    }
    if may_see:
        context["results"] = survey_results(survey)
    return render(request, "consultations/surveys/results.html", context)


def survey_teaser_context(request, survey) -> dict:
    """What the survey block on the consultation page shows. The same for every anonymous
    visitor (the page is cached for them); signed-in people also see whether they answered."""
    answered = None
    if request.user.is_authenticated:
        answered = (
            Response.objects.filter(
                survey=survey, source=Response.Source.ACCOUNT, user=request.user
            )
            .only("modified")
            .first()
        )
    return {
        "survey": survey,
        "answered": answered,
        "open_now": rules.has_perm("consultations.answer_survey", request.user, survey)
        or (
            not request.user.is_authenticated
            and selectors.would_resident_be_allowed("consultations.answer_survey", survey)
        ),
        "opens": opens_at(survey),
        "closes": closes_at(survey),
        "closed": has_closed(survey),
        "results_public": results_are_public(survey),
        "question_count": survey.questions.count(),
    }


# --- staff: evaluation, free text, exports, paper forms -------------------------------------

FREE_TEXT_PER_PAGE = 50


def _managed_survey(request, pk) -> Survey:
    survey = _survey_for(request, pk)
    if not rules.has_perm("consultations.manage_survey", request.user, survey):
        raise Http404
    return survey


@require_GET
def staff_overview(request, pk):
    """Everything staff evaluate: all figures (free-text questions counted), the breakdown
    by district with small groups suppressed, and the ways to the free text and the exports."""
    survey = _managed_survey(request, pk)
    results = survey_results(survey, include_private=True)
    return render(
        request,
        "consultations/surveys/staff.html",
        {
            "survey": survey,
            "consultation": survey.consultation,
            "results": results,
            "breakdowns": survey_exports.district_breakdowns(survey),
            "small_group": survey_exports.SMALL_GROUP,
            "free_text_questions": [
                result for result in results.questions if result.style == "private"
            ],
        },
    )


@require_GET
def free_text(request, pk, question_pk):
    """One free-text question's answers, newest first, searchable, 50 a page. Staff only; the
    answers show their random response id, never who wrote them."""
    survey = _managed_survey(request, pk)
    question = get_object_or_404(Question, pk=question_pk, survey=survey)
    query = (request.GET.get("q") or "").strip()[:200]
    answers = (
        Answer.objects.filter(question=question)
        .exclude(text="")
        .select_related("response")
        .order_by("-response__modified", "-pk")
    )
    if query:
        answers = answers.filter(text__icontains=query)
    paginator = Paginator(answers, FREE_TEXT_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "consultations/surveys/free_text.html",
        {
            "survey": survey,
            "question": question,
            "page_obj": page,
            "query": query,
            "total": paginator.count,
        },
    )


@require_GET
def export(request, pk, format):
    if format not in ("csv", "xlsx"):
        raise Http404
    survey = _managed_survey(request, pk)
    name = f"umfrage-{survey.pk}-antworten"
    if format == "csv":
        response = HttpResponse(
            survey_exports.as_csv(survey), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = HttpResponse(
            survey_exports.as_xlsx(survey),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def paper_entry(request, pk):
    """Staff type in a paper form: every question on one page, checked like online answers;
    each submit stores one new response marked "paper"."""
    survey = _managed_survey(request, pk)
    structure = answering.structure(survey)
    data: dict = {}
    errors: dict = {}
    if request.method == "POST":
        data = answering.raw_data_for(structure.questions, request.POST)
        try:
            actions.enter_paper_response(staff=request.user, survey=survey, data=data)
        except actions.AnswersInvalid as error:
            errors = error.errors
        except ActionError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The paper response is saved. Enter the next one."))
            return redirect(reverse("survey_paper_entry", args=[survey.pk]))
    numbers = {question.pk: index for index, question in enumerate(structure.questions, 1)}
    questions = [
        question_context(structure, question, data, errors, numbers[question.pk])
        for question in structure.questions
    ]
    return render(
        request,
        "consultations/surveys/paper.html",
        {
            "survey": survey,
            "questions": questions,
            "errors": [item for item in questions if item["error"]],
        },
        status=400 if errors else 200,
    )
