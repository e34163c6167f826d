from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Max, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from consultations.phases import PhaseKind

from .base import TimeStampedModel


class Topic(models.Model):
    """A subject area residents can filter consultations by (mobility, housing, ...)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name


class District(models.Model):
    """A part of town; people may say where they live, consultations may concern one district."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    population = models.PositiveIntegerField(
        _("population"),
        null=True,
        blank=True,
        help_text=_(
            "Residents according to the latest register; used for participation statistics."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self):
        return self.name


def validate_area(value):
    """An area is a GeoJSON Polygon or MultiPolygon in WGS 84 (longitude, latitude)."""
    if value in (None, ""):
        return
    if not isinstance(value, dict) or value.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValidationError(_("The area must be a GeoJSON Polygon or MultiPolygon."))
    polygons = value.get("coordinates")
    if value["type"] == "Polygon":
        polygons = [polygons]
    if not isinstance(polygons, list) or not polygons:
        raise ValidationError(_("The area has no coordinates."))
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValidationError(_("Every polygon needs at least one ring of points."))
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
                raise ValidationError(
                    _("Every ring needs at least four points and must end where it starts.")
                )
            for point in ring:
                if (
                    not isinstance(point, list | tuple)
                    or len(point) < 2
                    or not all(isinstance(c, int | float) for c in point[:2])
                    or not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90)
                ):
                    raise ValidationError(
                        _("Every point must be [longitude, latitude] within valid ranges.")
                    )


def status_from(
    *,
    moment: datetime,
    participation_start: datetime | None,
    participation_end: datetime | None,
    last_phase_end: datetime | None,
    results_published_at: datetime | None,
) -> str:
    """The one rule that turns a consultation's dates into its status at ``moment``.

    Participation runs from the start of the first participation phase to the end of the last
    one (without a participation phase, the phases as a whole count). Before it the
    consultation is upcoming, during it open; afterwards the town evaluates the input until it
    publishes the results or no phase is left, then it is closed. Published results never close
    participation that is still running: residents could still take part.
    ``ConsultationQuerySet.with_status_at`` is this rule as SQL; a test table holds both to it.
    """
    results_published = results_published_at is not None and results_published_at <= moment
    if participation_start is None:
        return Consultation.Status.CLOSED if results_published else Consultation.Status.UPCOMING
    if moment < participation_start:
        return Consultation.Status.UPCOMING
    if moment < participation_end:
        return Consultation.Status.OPEN
    if results_published or moment >= last_phase_end:
        return Consultation.Status.CLOSED
    return Consultation.Status.EVALUATING


def _phase_bound(aggregate, field: str, kind: str | None = None):
    phases = Phase.objects.filter(consultation=OuterRef("pk"))
    if kind is not None:
        phases = phases.filter(kind=kind)
    return Subquery(
        phases.order_by().values("consultation").annotate(bound=aggregate(field)).values("bound")
    )


class ConsultationQuerySet(models.QuerySet):
    def with_dates(self):
        """Annotate the dates the status depends on, from the phases (subqueries, no N+1)."""
        return self.annotate(
            participation_start=Coalesce(
                _phase_bound(Min, "start", PhaseKind.PARTICIPATION), _phase_bound(Min, "start")
            ),
            participation_end=Coalesce(
                _phase_bound(Max, "end", PhaseKind.PARTICIPATION), _phase_bound(Max, "end")
            ),
            last_phase_end=_phase_bound(Max, "end"),
        )

    def with_status_at(self, now: datetime | None = None):
        """Annotate ``current_status``: ``status_from`` as one SQL expression."""
        now = now or timezone.now()
        published = Q(results_published_at__isnull=False, results_published_at__lte=now)
        status = Case(
            When(
                Q(participation_start__isnull=True) & published,
                then=Value(Consultation.Status.CLOSED),
            ),
            When(
                Q(participation_start__isnull=True) | Q(participation_start__gt=now),
                then=Value(Consultation.Status.UPCOMING),
            ),
            When(participation_end__gt=now, then=Value(Consultation.Status.OPEN)),
            When(published | Q(last_phase_end__lte=now), then=Value(Consultation.Status.CLOSED)),
            default=Value(Consultation.Status.EVALUATING),
            output_field=models.CharField(),
        )
        return self.with_dates().annotate(current_status=status)

    def public(self):
        return self.filter(visibility=Consultation.Visibility.PUBLIC)

    def with_status(self, status: str, now: datetime | None = None):
        """Consultations whose status at ``now`` is ``status`` (an unknown status filters
        nothing out)."""
        qs = self.with_status_at(now)
        if status in Consultation.Status.values:
            qs = qs.filter(current_status=status)
        return qs

    def upcoming(self, now: datetime | None = None):
        return self.with_status(Consultation.Status.UPCOMING, now)

    def open(self, now: datetime | None = None):
        """Consultations whose participation runs now."""
        return self.with_status(Consultation.Status.OPEN, now)

    def evaluating(self, now: datetime | None = None):
        return self.with_status(Consultation.Status.EVALUATING, now)

    def closed(self, now: datetime | None = None):
        return self.with_status(Consultation.Status.CLOSED, now)


class Consultation(TimeStampedModel, ClusterableModel):
    """One participation process: its phases decide what residents may do and when."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("public")
        PRIVATE = "private", _("private (invited participants only)")

    class ModerationMode(models.TextChoices):
        AFTER = "after", _("after publication")
        BEFORE = "before", _("before publication")

    class Status(models.TextChoices):
        UPCOMING = "upcoming", _("upcoming")
        OPEN = "open", _("open")
        EVALUATING = "evaluating", _("evaluating")
        CLOSED = "closed", _("closed")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topic"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
    )
    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        help_text=_("Leave empty if the consultation concerns the whole town."),
    )
    area = models.JSONField(
        _("area"),
        null=True,
        blank=True,
        validators=[validate_area],
        help_text=_("GeoJSON Polygon or MultiPolygon of the area concerned (optional)."),
    )
    summary = models.TextField(_("summary"), max_length=1000)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    moderation_mode = models.CharField(
        _("moderation"),
        max_length=10,
        choices=ModerationMode.choices,
        default=ModerationMode.AFTER,
        help_text=_("Before publication: every contribution waits for a moderator."),
    )
    results_statement = models.TextField(
        _("what became of your input"),
        blank=True,
        help_text=_("The town's public account of what came out of this consultation."),
    )
    results_published_at = models.DateTimeField(_("results published"), null=True, blank=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self):
        return self.title

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    def phase_at(self, moment: datetime) -> Phase | None:
        """The phase running at ``moment``; with overlapping phases the one that started last."""
        phases = [p for p in self.phase_list if p.start <= moment < p.end]
        return phases[-1] if phases else None

    @property
    def phase_list(self) -> list[Phase]:
        """Phases in order, cached per instance (prefetch ``phases`` to share one query)."""
        if not hasattr(self, "_phase_list"):
            self._phase_list = sorted(self.phases.all(), key=lambda p: (p.start, p.pk or 0))
        return self._phase_list

    def active_phase(self) -> Phase | None:
        return self.phase_at(timezone.now())

    def status_at(self, moment: datetime) -> str:
        """The status at ``moment`` (see ``status_from``), from the cached phase list."""
        phases = self.phase_list
        participation = [p for p in phases if p.kind == PhaseKind.PARTICIPATION] or phases
        return status_from(
            moment=moment,
            participation_start=min((p.start for p in participation), default=None),
            participation_end=max((p.end for p in participation), default=None),
            last_phase_end=max((p.end for p in phases), default=None),
            results_published_at=self.results_published_at,
        )

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)


class Phase(models.Model):
    """A stretch of a consultation; its kind decides which verbs are open (see phases.py)."""

    consultation = ParentalKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="phases",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PhaseKind.choices)
    title = models.CharField(_("title"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="phase_ends_after_start"),
        ]

    def __str__(self):
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or str(PhaseKind(self.kind).label)

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("A phase must end after it starts.")})

    def is_active_at(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


class ConsultationMembership(TimeStampedModel):
    """A person's role in one consultation: invited participant (private ones) or moderator."""

    class Role(models.TextChoices):
        PARTICIPANT = "participant", _("participant")
        MODERATOR = "moderator", _("moderator")

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="consultation_memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("consultation role")
        verbose_name_plural = _("consultation roles")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "user", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.consultation}"
