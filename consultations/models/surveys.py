"""Surveys: ordered questions with choices, and the responses people give.

A survey belongs to one consultation (whose phases open its ``answer`` verb, or the phases an
editor chose) and is placed on the consultation's page with a block. Questions and choices are
rows, edited inline in the admin, so answers point to them and the database keeps them
consistent: a question or choice that has answers cannot be deleted (``PROTECT``), and one
person gives at most one response per survey (partial unique constraints per source).

What each kind of question asks, validates and summarises is declared in
``consultations.question_types`` (a registry: the idea map adds "point on the map" there).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from .base import PhasedModule, TimeStampedModel
from .consultations import Consultation

SURVEY_TEXT_MAX_LENGTH = 2000


class Survey(ClusterableModel, PhasedModule):
    """A questionnaire in a consultation. Drafts are seen by staff only (with a preview)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    class ResultsVisibility(models.TextChoices):
        DURING = "during", _("public while the survey runs")
        AFTER = "after", _("public once the survey has closed")
        NEVER = "never", _("never public (staff only)")

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="surveys",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("introduction"), blank=True, max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    results_visibility = models.CharField(
        _("results"),
        max_length=10,
        choices=ResultsVisibility.choices,
        default=ResultsVisibility.AFTER,
        help_text=_("Free-text answers are never public, whatever you choose here."),
    )
    allow_without_account = models.BooleanField(
        _("answering without an account"),
        default=False,
        help_text=_(
            "One response per browser, limited per network address. Less reliable than "
            "accounts: results and exports say how many responses came this way."
        ),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Question(ClusterableModel, Orderable):
    """One question; ``kind`` names its type in ``consultations.question_types``.

    The type-specific settings (minimum and maximum choices, range, unit, scale labels) are
    plain columns; each type says which of them it uses and checks them. A question may be
    shown only when an earlier question was answered with a given value (``condition_*``).
    A non-empty ``section_title`` starts a new page of the survey.
    """

    survey = ParentalKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="questions"
    )
    kind = models.CharField(_("type of question"), max_length=30)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    required = models.BooleanField(_("an answer is required"), default=False)
    section_title = models.CharField(
        _("new page"),
        max_length=200,
        blank=True,
        help_text=_("A heading here starts a new page of the survey with this question."),
    )
    min_choices = models.PositiveSmallIntegerField(
        _("at least this many choices"), null=True, blank=True
    )
    max_choices = models.PositiveSmallIntegerField(
        _("at most this many choices"), null=True, blank=True
    )
    allow_other = models.BooleanField(_("offer “other” with a text field"), default=False)
    min_value = models.DecimalField(
        _("smallest value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("largest value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    label_low = models.CharField(_("label of the lowest value"), max_length=60, blank=True)
    label_high = models.CharField(_("label of the highest value"), max_length=60, blank=True)
    condition_question = models.ForeignKey(
        "self",
        verbose_name=_("show only if question"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependent_questions",
        help_text=_("An earlier question of this survey (save the survey first to choose one)."),
    )
    condition_value = models.CharField(
        _("was answered with"),
        max_length=200,
        blank=True,
        help_text=_("A choice's text, or yes / no / abstain, or a number on a scale."),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(
                condition=Q(condition_question__isnull=True, condition_value="")
                | Q(condition_question__isnull=False) & ~Q(condition_value=""),
                name="question_condition_complete",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def field_name(self) -> str:
        return f"q{self.pk}"


class Choice(Orderable):
    """One option of a choice, ranking or (for conditions) any question with options."""

    question = ParentalKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="choices"
    )
    label = models.CharField(_("choice"), max_length=200)

    class Meta(Orderable.Meta):
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self):
        return self.label


class ResponseQuerySet(models.QuerySet):
    def of_survey(self, survey: Survey):
        return self.filter(survey=survey)


class Response(TimeStampedModel):
    """One person's (or one browser's, or one paper form's) answers to a survey.

    ``public_id`` is the random id exports show; names and e-mail addresses never leave the
    database. When an account is deleted, its responses stay without the account.
    """

    class Source(models.TextChoices):
        ACCOUNT = "account", _("account")
        TOKEN = "token", _("browser without an account")
        PAPER = "paper", _("paper form")

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="responses"
    )
    public_id = models.UUIDField(_("response id"), default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    token = models.CharField(_("browser token"), max_length=64, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    district = models.ForeignKey(
        "consultations.District",
        verbose_name=_("district"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Where the person said they live, when they answered (for breakdowns)."),
    )

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"],
                condition=Q(source="account", user__isnull=False),
                name="response_one_per_account",
            ),
            models.UniqueConstraint(
                fields=["survey", "token"],
                condition=Q(source="token"),
                name="response_one_per_token",
            ),
            models.CheckConstraint(
                condition=Q(source="account", token="")
                | Q(source="token", user__isnull=True) & ~Q(token="")
                | Q(source="paper", user__isnull=True, token=""),
                name="response_source_consistent",
            ),
        ]

    def __str__(self):
        return str(self.public_id)


class Answer(models.Model):
    """One value of a response to one question: a chosen choice (one row per choice), a text,
    a number, a date or a choice's rank. Which columns a type fills is the type's business."""

    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers"
    )
    choice = models.ForeignKey(
        Choice,
        verbose_name=_("choice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answers",
    )
    text = models.TextField(_("text"), blank=True, max_length=SURVEY_TEXT_MAX_LENGTH)
    number = models.DecimalField(
        _("number"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    date = models.DateField(_("date"), null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [models.Index(fields=["question", "choice"], name="answer_question_choice")]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "choice"],
                condition=Q(choice__isnull=False),
                name="answer_one_per_choice",
            ),
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(choice__isnull=True),
                name="answer_one_value_per_question",
            ),
        ]

    def __str__(self):
        return f"{self.response_id}/{self.question_id}"
