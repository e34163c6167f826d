"""Citizens' councils (Bürgerräte): a panel of residents drawn by lot (docs/councils.md).

A council belongs to one consultation and is run by its organisers (``CouncilOrganiser``
rows; the site group "Council organisers" only means "may create councils"). Stratification
categories and values carry the town's population shares and the seat limits derived from
them (``consultations.sortition.quotas``). Stage 1 keeps the register extract as rows
(``RegisterEntry``, personal data, deleted once the letters are out) and the record of the
invitation draw (``InvitationDraw``: seed, algorithm version and extract hash, kept after the
entries are deleted so the register office can re-run the draw on its own copy).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel
from .consultations import Consultation


class Council(TimeStampedModel):
    """A citizens' council of a consultation. Drafts are seen by its organisers and admins
    only; once published its page is as public as its consultation."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        # A council holds personal data: it is deleted on purpose (logged), never by accident
        # with its consultation.
        on_delete=models.PROTECT,
        related_name="councils",
    )
    title = models.CharField(_("title"), max_length=200)
    question = models.CharField(
        _("mandate"),
        max_length=500,
        help_text=_("The question the council answers, e.g. “How should the town hall be used?”"),
    )
    description = models.TextField(
        _("public description"),
        max_length=5000,
        blank=True,
        help_text=_("How the process works, in plain language. Shown on the council's page."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    panel_size = models.PositiveSmallIntegerField(_("panel size"))
    quota_tolerance = models.PositiveSmallIntegerField(
        _("tolerance in seats"),
        default=1,
        help_text=_("How many seats each value may lie below or above its proportional target."),
    )
    invitations_on = models.DateField(_("invitations sent"), null=True, blank=True)
    registration_until = models.DateField(_("registration until"), null=True, blank=True)
    panel_drawn_on = models.DateField(_("panel drawn on"), null=True, blank=True)
    sessions_from = models.DateField(_("sessions from"), null=True, blank=True)
    sessions_until = models.DateField(_("sessions until"), null=True, blank=True)
    personal_data_deleted_on = models.DateField(
        _("personal data deleted on"),
        help_text=_("On this date every personal datum of the council is deleted."),
    )
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CouncilOrganiser",
        related_name="organised_councils",
        verbose_name=_("organisers"),
        blank=True,
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("citizens' council")
        verbose_name_plural = _("citizens' councils")
        constraints = [
            models.CheckConstraint(
                condition=Q(panel_size__gte=1) & Q(panel_size__lte=1000),
                name="council_panel_size_range",
            ),
            models.CheckConstraint(
                condition=Q(quota_tolerance__lte=F("panel_size")),
                name="council_tolerance_below_panel_size",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class CouncilOrganiser(TimeStampedModel):
    """A person organises one council: sees its drafts and personal data, changes it."""

    council = models.ForeignKey(
        Council, verbose_name=_("citizens' council"), on_delete=models.CASCADE
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="council_organiser_roles",
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("council organiser")
        verbose_name_plural = _("council organisers")
        constraints = [
            models.UniqueConstraint(fields=["council", "user"], name="council_organiser_once")
        ]

    def __str__(self):
        return f"{self.user} – {self.council}"


class StratificationCategory(models.Model):
    """A feature the panel must mirror (gender, age band, district, …)."""

    council = models.ForeignKey(
        Council,
        verbose_name=_("citizens' council"),
        on_delete=models.CASCADE,
        related_name="categories",
    )
    name = models.CharField(_("name"), max_length=80)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["council", "sort_order", "pk"]
        verbose_name = _("stratification category")
        verbose_name_plural = _("stratification categories")
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="category_name_once")
        ]

    def __str__(self):
        return self.name


class StratificationValue(models.Model):
    """One value of a category with its population (a share or a head count: shares are
    relative to the category's total) and the seat limits derived from it."""

    category = models.ForeignKey(
        StratificationCategory,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="values",
    )
    name = models.CharField(_("name"), max_length=80)
    population = models.DecimalField(_("population"), max_digits=12, decimal_places=3)
    min_seats = models.PositiveSmallIntegerField(_("at least"), null=True, blank=True)
    max_seats = models.PositiveSmallIntegerField(_("at most"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["category", "sort_order", "pk"]
        verbose_name = _("stratification value")
        verbose_name_plural = _("stratification values")
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="value_name_once"),
            models.CheckConstraint(condition=Q(population__gte=0), name="value_population_gte_0"),
            models.CheckConstraint(
                condition=Q(min_seats__isnull=True)
                | Q(max_seats__isnull=True)
                | Q(min_seats__lte=F("max_seats")),
                name="value_min_below_max",
            ),
        ]

    def __str__(self):
        return self.name


class InvitationDraw(TimeStampedModel):
    """The record of a council's invitation draw: everything needed to re-run it on the
    register office's own copy of the extract (docs/councils.md, "The invitation draw").
    Kept when the register entries are deleted; holds no personal data."""

    council = models.OneToOneField(
        Council,
        verbose_name=_("citizens' council"),
        on_delete=models.CASCADE,
        related_name="invitation_draw",
    )
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drawn by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    algorithm = models.CharField(_("algorithm version"), max_length=40)
    seed = models.CharField(_("seed"), max_length=200)
    extract_sha256 = models.CharField(_("SHA-256 of the canonical extract"), max_length=64)
    extract_rows = models.PositiveIntegerField(_("rows in the extract"))
    invitations = models.PositiveIntegerField(_("invitations"))
    stratified_by_district = models.BooleanField(_("stratified by district"), default=False)
    per_district = models.JSONField(_("invitations per district"), default=dict, blank=True)

    class Meta:
        verbose_name = _("invitation draw")
        verbose_name_plural = _("invitation draws")

    def __str__(self):
        return f"{self.council} ({self.algorithm})"


class RegisterEntry(models.Model):
    """One row of the register extract (personal data: organisers only, deleted by
    ``delete_register`` once the letters are out)."""

    council = models.ForeignKey(
        Council,
        verbose_name=_("citizens' council"),
        on_delete=models.CASCADE,
        related_name="register_entries",
    )
    line = models.PositiveIntegerField(_("line in the file"))
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    district = models.CharField(_("district"), max_length=100, blank=True)
    invitation_rank = models.PositiveIntegerField(_("place in the invitation draw"), null=True)

    class Meta:
        ordering = ["council", "line"]
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")
        constraints = [
            models.UniqueConstraint(
                fields=["council", "invitation_rank"], name="register_rank_once"
            )
        ]

    def __str__(self):
        return f"{self.council}, line {self.line}"
