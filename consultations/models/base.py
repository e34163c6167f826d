from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        abstract = True


class CreatorModel(TimeStampedModel):
    """A record somebody made; it outlives its creator's account (then shown anonymised)."""

    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


class PhasedModule(TimeStampedModel):
    """A participation module placed in a consultation: open by the consultation's phases.

    By default the module type decides which verbs each kind of phase opens
    (``consultations.registry``); an editor may instead open an instance only in chosen phases
    of its consultation (a first survey in the information phase, a second in evaluation).
    """

    open_in_phases = models.ManyToManyField(
        "consultations.Phase",
        verbose_name=_("open only in these phases"),
        blank=True,
        related_name="+",
        help_text=_(
            "Empty: open as usual for this kind of module (commenting during participation). "
            "Chosen phases of this consultation: open in those phases only."
        ),
    )

    class Meta:
        abstract = True

    def chosen_phase_ids(self) -> frozenset[int]:
        """The phases an editor limited this instance to (cached; prefetch to share a query)."""
        if not self.pk:
            return frozenset()
        if not hasattr(self, "_chosen_phase_ids"):
            self._chosen_phase_ids = frozenset(phase.pk for phase in self.open_in_phases.all())
        return self._chosen_phase_ids
