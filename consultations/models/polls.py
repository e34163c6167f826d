"""Quick polls: one question with a few choices, placed with a block on any page (also outside
consultations), open between their own dates, for everyone or for signed-in residents only.

One vote per account, or per browser (a signed token) where everyone may vote; the database
keeps it so (partial unique constraints). A person may change their vote while the poll runs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from .base import TimeStampedModel


class QuickPoll(ClusterableModel, TimeStampedModel):
    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("everyone (one vote per browser)")
        RESIDENTS = "residents", _("signed-in residents only (one vote per account)")

    question = models.CharField(_("question"), max_length=300)
    opens = models.DateTimeField(_("opens"))
    closes = models.DateTimeField(_("closes"))
    audience = models.CharField(
        _("who may vote"), max_length=10, choices=Audience.choices, default=Audience.RESIDENTS
    )
    is_published = models.BooleanField(
        _("published"), default=False, help_text=_("Drafts are shown to staff only.")
    )

    class Meta:
        ordering = ["-opens", "pk"]
        verbose_name = _("quick poll")
        verbose_name_plural = _("quick polls")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")), name="poll_closes_after_opening"
            ),
        ]

    def __str__(self):
        return self.question


class PollChoice(Orderable):
    poll = ParentalKey(QuickPoll, on_delete=models.CASCADE, related_name="choices")
    label = models.CharField(_("choice"), max_length=120)

    class Meta(Orderable.Meta):
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self):
        return self.label


class PollVote(TimeStampedModel):
    poll = models.ForeignKey(QuickPoll, on_delete=models.CASCADE, related_name="votes")
    choice = models.ForeignKey(PollChoice, on_delete=models.PROTECT, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="poll_votes",
    )
    token = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "user"],
                condition=Q(user__isnull=False),
                name="poll_one_vote_per_account",
            ),
            models.UniqueConstraint(
                fields=["poll", "token"], condition=~Q(token=""), name="poll_one_vote_per_token"
            ),
        ]

    def __str__(self):
        return f"{self.poll_id}: {self.choice_id}"
