from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import PhasedModule, TimeStampedModel
from .consultations import Consultation

COMMENT_MAX_LENGTH = 5000


class Discussion(PhasedModule):
    """A place to talk, inside one consultation (whose phases and moderation mode apply).

    It stands on a consultation page by itself or belongs to an owner placed there later (an
    idea, a survey, a council session) through the optional generic ``owner``, which then
    decides when commenting is open and who may see it.
    """

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="discussions",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    owner_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    owner_id = models.PositiveBigIntegerField(null=True, blank=True)
    owner = GenericForeignKey("owner_type", "owner_id")
    auto_hide_after_reports = models.PositiveSmallIntegerField(
        _("hide after this many reports"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("A comment is hidden pending review once this many people have reported it."),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("discussion")
        verbose_name_plural = _("discussions")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_type", "owner_id"],
                condition=Q(owner_type__isnull=False),
                name="discussion_one_per_owner",
            ),
            models.CheckConstraint(
                condition=Q(owner_type__isnull=True, owner_id__isnull=True)
                | Q(owner_type__isnull=False, owner_id__isnull=False),
                name="discussion_owner_complete",
            ),
        ]

    def __str__(self):
        return self.title


class CommentQuerySet(models.QuerySet):
    def top_level(self):
        return self.filter(thread__isnull=True)

    def public(self):
        """Comments everybody sees as text, plus tombstones (hidden or deleted) to keep threads."""
        return self.exclude(status=Comment.Status.PENDING)


class Comment(TimeStampedModel):
    """A contribution to a discussion. Replies hang flat under their top-level comment."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting review")
        PUBLISHED = "published", _("published")
        HIDDEN = "hidden", _("removed by moderation")
        DELETED = "deleted", _("deleted by its author")

    discussion = models.ForeignKey(
        Discussion, verbose_name=_("discussion"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="comments",
    )
    thread = models.ForeignKey(
        "self",
        verbose_name=_("thread"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        help_text=_("The top-level comment this reply belongs to."),
    )
    reply_to = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("text"), max_length=COMMENT_MAX_LENGTH)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PUBLISHED
    )
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_official = models.BooleanField(_("official answer of the town"), default=False)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    needs_review_reason = models.CharField(_("why it waits for review"), max_length=200, blank=True)
    moderation_reason = models.CharField(_("moderation reason"), max_length=30, blank=True)
    moderation_note = models.CharField(_("moderation note"), max_length=500, blank=True)
    agree_count = models.PositiveIntegerField(default=0)
    disagree_count = models.PositiveIntegerField(default=0)
    open_report_count = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Sent with the form: the same submission posted twice makes one comment."),
    )
    escalated = models.BooleanField(
        _("reported enough to be hidden, but never hidden automatically"),
        default=False,
        help_text=_(
            "Official answers and comments of staff are not hidden by reports: they go to the "
            "top of the moderation queue instead."
        ),
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="comment_one_per_submission",
            ),
        ]
        indexes = [
            models.Index(fields=["discussion", "thread", "created"], name="comment_thread_order"),
            models.Index(fields=["status", "created"], name="comment_status_created"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.text[:40]}"

    @property
    def consultation(self) -> Consultation:
        return self.discussion.consultation

    @property
    def is_tombstone(self) -> bool:
        return self.status in {self.Status.HIDDEN, self.Status.DELETED}

    @property
    def thread_id_or_self(self) -> int:
        return self.thread_id or self.pk


class CommentRevision(models.Model):
    """An earlier wording of an edited comment, kept for moderators."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    text = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self):
        return f"#{self.comment_id} @ {self.created:%Y-%m-%d %H:%M}"


class Reaction(TimeStampedModel):
    """One person's agree/disagree on a comment (one per person, changeable)."""

    class Value(models.TextChoices):
        AGREE = "agree", _("agree")
        DISAGREE = "disagree", _("disagree")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    value = models.CharField(max_length=10, choices=Value.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="reaction_one_per_person"),
        ]
