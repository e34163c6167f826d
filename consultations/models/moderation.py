from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel
from .consultations import Consultation
from .discussions import Comment


class ReportReason(models.TextChoices):
    INSULT = "insult", _("insult or harassment")
    SPAM = "spam", _("spam or advertising")
    OFF_TOPIC = "off_topic", _("off-topic")
    UNLAWFUL = "unlawful", _("unlawful content")
    OTHER = "other", _("other")


class RemovalReason(models.TextChoices):
    """Why moderation removed something; shown publicly on the tombstone and in the log."""

    INSULT = "insult", _("insult or harassment")
    DISCRIMINATION = "discrimination", _("discrimination")
    SPAM = "spam", _("spam or advertising")
    OFF_TOPIC = "off_topic", _("off-topic")
    PERSONAL_DATA = "personal_data", _("personal data of others")
    UNLAWFUL = "unlawful", _("unlawful content")
    REPORTED = "reported", _("hidden after several reports, pending review")
    OTHER = "other", _("other breach of the discussion rules")


class Report(TimeStampedModel):
    """Somebody's report of a comment, with a reason; one per person and comment.

    Whether it counts towards hiding the comment automatically is decided once, when it is made
    (``counts_towards_auto_hide``); what moderators made of it is its ``outcome``.
    """

    class Outcome(models.TextChoices):
        NOT_DECIDED = "", _("not decided")
        UPHELD = "upheld", _("upheld: the comment was removed")
        REJECTED = "rejected", _("rejected: the comment stays")
        MOOT = "moot", _("moot: the author deleted the comment")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="reports"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=ReportReason.choices)
    text = models.CharField(_("details"), max_length=1000, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=10,
        choices=Outcome.choices,
        default=Outcome.NOT_DECIDED,
        blank=True,
    )
    counts_towards_auto_hide = models.BooleanField(
        _("counts towards hiding automatically"),
        default=True,
        help_text=_(
            "No for reports from new accounts and from people whose reports were often rejected."
        ),
    )

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="report_one_per_person"),
        ]


class ModerationDecision(TimeStampedModel):
    """What a moderator (or the system) did, when and why: the audit trail and the public log.

    The public log shows only counts and reasons, never who or about whom.
    """

    class Kind(models.TextChoices):
        APPROVE = "approve", _("approved")
        HIDE = "hide", _("hidden")
        AUTO_HIDE = "auto_hide", _("hidden automatically after reports")
        RESTORE = "restore", _("restored")
        PIN = "pin", _("pinned")
        UNPIN = "unpin", _("unpinned")
        MARK_OFFICIAL = "mark_official", _("marked as official answer")
        UNMARK_OFFICIAL = "unmark_official", _("official mark removed")
        BLOCK_USER = "block_user", _("user blocked")
        UNBLOCK_USER = "unblock_user", _("block lifted")
        DISMISS_REPORTS = "dismiss_reports", _("reports dismissed")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The person concerned (author of the comment, blocked user)."),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.CharField(max_length=30, choices=RemovalReason.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")


class UserBlockQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True).filter(Q(until__isnull=True) | Q(until__gt=now))


class UserBlock(TimeStampedModel):
    """Stops a person from contributing, in one consultation or everywhere, until a date."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks"
    )
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="blocks",
        help_text=_("Empty: blocked everywhere on the site."),
    )
    until = models.DateTimeField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=30, choices=RemovalReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    objects = UserBlockQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("block")
        verbose_name_plural = _("blocks")


class BlockedWord(models.Model):
    """A word or phrase that sends a comment to the moderation queue instead of publishing it.

    Matched case-insensitively as a whole word or phrase.
    """

    phrase = models.CharField(_("word or phrase"), max_length=100, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["phrase"]
        verbose_name = _("blocked word")
        verbose_name_plural = _("blocked words")

    def __str__(self):
        return self.phrase


class Notification(TimeStampedModel):
    """An on-site notice to one person (why their comment was removed, a block, ...), stored as
    data: a kind, what it is about and the facts of the case. It is written in no language:
    ``consultations.notices`` renders it when it is read, in the reader's language, from the
    template its module registered for the kind (links are built then, too)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # A kind registered by a module (``consultations.notices``), "area_what": no choices here,
    # so that a new module adds kinds without changing this model.
    kind = models.CharField(max_length=50)
    # What the notice is about (a comment, a consultation), if anything; the link is built
    # from it when the notice is read. It may have gone since: the notice still reads.
    target_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.SET_NULL, null=True, blank=True
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    # The facts, JSON: codes and dates, never sentences (a reason code, the moderators' note,
    # an ISO date). Notices from before this model carry ``legacy_text`` and ``legacy_url``.
    params = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]
