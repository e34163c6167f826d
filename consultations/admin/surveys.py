"""The survey builder in the admin: a survey with its questions and their choices as ordered
rows edited inline. The form only parses; ``create_survey`` / ``change_survey`` check, write
and log (``SavedThroughActionMixin``), so the admin and scripts share one path."""

from __future__ import annotations

import copy

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import Button
from wagtail.snippets.views.snippets import CreateView, EditView

from consultations import actions, question_types
from consultations.actions import ActionError
from consultations.actions.surveys import QuestionError, change_survey, create_survey
from consultations.admin.base import ParticipationViewSet
from consultations.admin.views import SavedThroughActionMixin, show_action_error
from consultations.models import Phase, Question, Survey

SURVEY_FIELDS = ("title", "description", "status", "results_visibility", "allow_without_account")
QUESTION_FIELDS = (
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
    "condition_question",
    "condition_value",
)


class SurveyForm(WagtailAdminModelForm):
    """Offers the phases of the survey's consultation, and as conditions only the saved
    questions of this survey (a condition may only point backwards: the action checks the
    order)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("open_in_phases")
        if field is not None:
            phases = Phase.objects.select_related("consultation").order_by("consultation", "start")
            if self.instance.consultation_id:
                phases = phases.filter(consultation_id=self.instance.consultation_id)
            field.queryset = phases
            field.label_from_instance = lambda phase: (
                f"{phase.consultation.title}: {phase.display_title} "
                f"({phase.start:%d.%m.%Y}–{phase.end:%d.%m.%Y})"
            )
        formset = self.formsets.get("questions") if hasattr(self, "formsets") else None
        if formset is not None:
            # A per-request form class: the class Wagtail built is shared by every request.
            base = formset.form
            fields = copy.deepcopy(base.base_fields)
            own = Question.objects.filter(survey_id=self.instance.pk or 0).order_by("sort_order")
            if "condition_question" in fields:
                fields["condition_question"].queryset = own
                fields["condition_question"].label_from_instance = lambda question: (
                    f"{question.sort_order + 1}. {question.text}"
                )
            formset.form = type(base.__name__, (base,), {"base_fields": fields})

    def clean(self):
        cleaned = super().clean()
        consultation = cleaned.get("consultation") or getattr(self.instance, "consultation", None)
        phases = cleaned.get("open_in_phases") or []
        if consultation and any(phase.consultation_id != consultation.pk for phase in phases):
            self.add_error("open_in_phases", _("Choose phases of this survey's consultation only."))
        return cleaned


def _ordered(formset):
    try:
        return list(formset.ordered_forms)
    except AttributeError:
        return [
            form
            for form in formset.forms
            if form.cleaned_data and not formset._should_delete_form(form)
        ]


def _pk_of(value):
    return getattr(value, "pk", value)


def survey_data(form) -> dict:
    """The survey's fields and its whole list of questions with their choices, in the order
    the editor gave them (deleted and untouched empty forms left out)."""
    data = {name: form.cleaned_data.get(name) for name in SURVEY_FIELDS}
    data["open_in_phases"] = form.cleaned_data.get("open_in_phases") or []
    questions = []
    for question_form in _ordered(form.formsets["questions"]):
        if not question_form.cleaned_data:
            continue
        question = {name: question_form.cleaned_data.get(name) for name in QUESTION_FIELDS}
        question["id"] = question_form.instance.pk or _pk_of(question_form.cleaned_data.get("id"))
        choice_forms = question_form.formsets.get("choices") if question_form.formsets else None
        question["choices"] = [
            {
                "id": choice_form.instance.pk or _pk_of(choice_form.cleaned_data.get("id")),
                "label": choice_form.cleaned_data.get("label"),
            }
            for choice_form in (_ordered(choice_forms) if choice_forms is not None else [])
            if choice_form.cleaned_data
        ]
        questions.append(question)
    data["questions"] = questions
    return data


def _show_error(form, error: ActionError) -> None:
    if isinstance(error, QuestionError) and error.index is not None:
        kept = [f for f in _ordered(form.formsets["questions"]) if f.cleaned_data]
        if error.index < len(kept):
            question_form = kept[error.index]
            field = error.field if error.field in question_form.fields else None
            question_form.add_error(field, error.message)
            form.add_error(None, error.message)
            return
    show_action_error(form, error)


class SurveyActionMixin(SavedThroughActionMixin):
    def form_valid(self, form):
        try:
            return super(SavedThroughActionMixin, self).form_valid(form)
        except ActionError as error:
            if isinstance(error, actions.PermissionDenied):
                raise PermissionDenied(error.message) from error
            self.form = form
            _show_error(form, error)
            self.produced_error_code = error.code
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class SurveyCreateView(SurveyActionMixin, CreateView):
    def save_through_action(self, form):
        data = survey_data(form)
        return create_survey(
            editor=self.request.user, consultation=form.cleaned_data.get("consultation"), **data
        )


class SurveyEditView(SurveyActionMixin, EditView):
    def save_through_action(self, form):
        consultation = form.cleaned_data.get("consultation")
        if consultation is not None and consultation.pk != self.object.consultation_id:
            raise ActionError(
                _("A survey stays in its consultation: create a new survey instead."),
                code="consultation",
            )
        return change_survey(editor=self.request.user, survey=self.object, **survey_data(form))


def open_survey_button(snippet, user, next_url=None):
    if isinstance(snippet, Survey):
        yield Button(
            _("Open (preview for drafts)"),
            reverse("survey_detail", args=[snippet.pk]),
            icon_name="view",
            priority=30,
        )
        yield Button(
            _("Evaluation"),
            reverse("survey_staff", args=[snippet.pk]),
            icon_name="table",
            priority=31,
        )


class SurveyViewSet(ParticipationViewSet):
    """Surveys are built here and placed on their consultation's page with a block."""

    model = Survey
    icon = "list-ul"
    menu_label = _("Surveys")
    list_display = [
        "title",
        "consultation",
        "status",
        Column("response_count", label=_("Responses")),
    ]
    list_filter = ["consultation", "status"]
    search_fields = ["title", "description"]
    copy_view_enabled = False
    add_view_class = SurveyCreateView
    edit_view_class = SurveyEditView
    edit_handler = ObjectList(
        [
            FieldPanel("consultation"),
            FieldPanel("title"),
            FieldPanel("description"),
            FieldRowPanel([FieldPanel("status"), FieldPanel("results_visibility")]),
            FieldPanel("allow_without_account"),
            FieldPanel("open_in_phases", widget=forms.CheckboxSelectMultiple),
            InlinePanel(
                "questions",
                label=_("Question"),
                heading=_("Questions"),
                panels=[
                    FieldRowPanel(
                        [
                            FieldPanel("kind", widget=forms.Select(choices=question_types.kinds)),
                            FieldPanel("required"),
                        ]
                    ),
                    FieldPanel("text"),
                    FieldPanel("help_text"),
                    FieldPanel("section_title"),
                    InlinePanel("choices", label=_("Choice"), panels=[FieldPanel("label")]),
                    MultiFieldPanel(
                        [
                            FieldRowPanel([FieldPanel("min_choices"), FieldPanel("max_choices")]),
                            FieldPanel("allow_other"),
                            FieldRowPanel([FieldPanel("min_value"), FieldPanel("max_value")]),
                            FieldPanel("unit"),
                            FieldRowPanel([FieldPanel("label_low"), FieldPanel("label_high")]),
                        ],
                        heading=_("Settings of some types"),
                        help_text=_(
                            "Choices: minimum and maximum, “other”. Scales: 0 or 1 to 3–10 "
                            "(default 1–5) with labelled ends. Numbers: range and unit."
                        ),
                    ),
                    MultiFieldPanel(
                        [FieldPanel("condition_question"), FieldPanel("condition_value")],
                        heading=_("Show only if"),
                    ),
                ],
            ),
        ],
        base_form_class=SurveyForm,
    )

    def get_queryset(self, request):
        return Survey.objects.select_related("consultation").annotate(
            response_count=Count("responses")
        )
