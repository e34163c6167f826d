"""Surveys, the second participation module (see docs/modules.md and docs/surveys.md).

Who sees a survey: whoever may see its consultation, once it is published; drafts only its
staff (editors and admins), who preview them. When it takes answers: while its ``answer`` verb
is open (by default in the consultation's participation phases, or in the phases an editor
chose). Its results are public as the survey says (during, after closing, never); free-text
answers never are.
"""

from __future__ import annotations

from consultations.phases import Verb
from consultations.registry import ModuleType, register
from consultations.survey_timing import DEFAULT_PHASE_VERBS


def is_survey_staff(user) -> bool:
    """Editors and admins run surveys: they see drafts, free-text answers and exports."""
    from consultations.predicates import is_admin, is_editor

    return bool((is_editor | is_admin)(user))


def can_view(user, survey) -> bool:
    import rules

    if not rules.has_perm("consultations.view_consultation", user, survey.consultation):
        return False
    return survey.is_published or is_survey_staff(user)


def visible(queryset, user):
    from consultations.selectors import visible_consultations

    mine = queryset.filter(consultation__in=visible_consultations(user).values("pk"))
    if is_survey_staff(user):
        return mine
    return mine.filter(status="published")


def personal_data(user) -> dict:
    """A person's survey responses with their answers (as they gave them)."""
    from consultations.models import Response

    responses = (
        Response.objects.filter(user=user)
        .select_related("survey")
        .prefetch_related("answers__question", "answers__choice")
        .order_by("pk")
    )
    return {
        "survey_responses": [
            {
                "survey": response.survey.title,
                "response_id": str(response.public_id),
                "created": response.created.isoformat(),
                "modified": response.modified.isoformat(),
                "answers": [
                    {
                        "question": answer.question.text,
                        "choice": answer.choice.label if answer.choice else None,
                        "text": answer.text or None,
                        "number": str(answer.number) if answer.number is not None else None,
                        "date": answer.date.isoformat() if answer.date else None,
                        "rank": answer.rank,
                    }
                    for answer in response.answers.all()
                ],
            }
            for response in responses
        ]
    }


def anonymise_responses(user) -> None:
    """Responses stay (results must not change when someone leaves), without the account."""
    from consultations.models import Response

    Response.objects.filter(user=user).update(user=None)


def _event_types() -> frozenset[str]:
    from consultations.realtime import EventType

    return frozenset({EventType.SURVEY_RESULTS_CHANGED, EventType.SURVEY_RESULTS_WITHDRAWN})


SURVEY = register(
    ModuleType(
        label="survey",
        model="consultations.Survey",
        verbs=frozenset({Verb.ANSWER}),
        default_phase_verbs=DEFAULT_PHASE_VERBS,
        permissions=frozenset(
            {
                "consultations.view_survey",
                "consultations.answer_survey",
                "consultations.view_survey_results",
                "consultations.manage_survey",
            }
        ),
        can_view=lambda user, survey: can_view(user, survey),
        visible=lambda queryset, user: visible(queryset, user),
        live_event_types=_event_types(),
        notification_kinds=frozenset(),
        personal_data=personal_data,
        on_account_deleted=anonymise_responses,
        search="Site search: titles and introductions of visible published surveys, never drafts.",
        staff_exports={},
    )
)
