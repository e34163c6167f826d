"""Residents' writes in discussions: post, edit, delete, react, report."""

from __future__ import annotations

import re
from datetime import timedelta

import rules
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consultations import payloads, realtime
from consultations.actions import ActionError, PermissionDenied
from consultations.actions.comment_effects import (
    broadcast_comment,
    broadcast_queue_changed,
    notify_author,
)
from consultations.models import (
    COMMENT_MAX_LENGTH,
    BlockedWord,
    Comment,
    CommentRevision,
    Consultation,
    Discussion,
    ModerationDecision,
    Reaction,
    RemovalReason,
    Report,
    ReportReason,
    User,
)
from consultations.sanitising import clean_plain_text


def _clean_comment_text(text: str) -> str:
    text = clean_plain_text(text)
    if not text:
        raise ActionError(_("Please write something before sending."), code="empty")
    if len(text) > COMMENT_MAX_LENGTH:
        raise ActionError(
            _("Your comment is too long: %(length)s of at most %(max)s characters.")
            % {"length": len(text), "max": COMMENT_MAX_LENGTH},
            code="too_long",
        )
    return text


def _check_rate(author: User) -> None:
    """Per person limits, counted in the database so they hold across server processes."""
    now = timezone.now()
    counts = Comment.objects.filter(author=author, created__gte=now - timedelta(hours=1)).aggregate(
        minute=Count("pk", filter=Q(created__gte=now - timedelta(minutes=1))),
        hour=Count("pk"),
    )
    if counts["minute"] >= settings.COMMENT_RATE_PER_MINUTE:
        raise ActionError(
            _("You are writing very fast. Please wait a minute before your next comment."),
            code="rate_limited",
        )
    if counts["hour"] >= settings.COMMENT_RATE_PER_HOUR:
        raise ActionError(
            _("You have written many comments in the last hour. Please take a break."),
            code="rate_limited",
        )


def matched_blocked_word(text: str) -> str | None:
    """The first word-list entry that occurs in ``text`` as a whole word or phrase."""
    folded = text.casefold()
    for phrase in BlockedWord.objects.values_list("phrase", flat=True):
        needle = phrase.strip().casefold()
        if needle and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", folded):
            return phrase
    return None


def _review_reason(consultation: Consultation, text: str) -> str:
    if consultation.moderation_mode == Consultation.ModerationMode.BEFORE:
        return "pre-moderation"
    word = matched_blocked_word(text)
    if word:
        return f"word list: {word}"
    return ""


def post_comment(
    *,
    author: User,
    discussion: Discussion,
    text: str,
    reply_to: Comment | None = None,
    idempotency_key: str = "",
) -> Comment:
    """Post a comment or a reply.

    Who: ``consultations.add_comment`` (verified residents, not blocked, while the phase opens
    commenting). Rate-limited per person. Replies to replies hang flat under the top-level
    comment. In pre-moderated consultations, or when the word list matches, the comment waits
    in the queue (broadcast to moderators only); otherwise it is broadcast to the discussion.
    The same ``idempotency_key`` from the same person again returns the comment it made (a
    retried submission), writing and broadcasting nothing.
    """
    if not rules.has_perm("consultations.add_comment", author, discussion):
        raise PermissionDenied(_("You cannot comment here at the moment."))
    text = _clean_comment_text(text)
    thread = None
    if reply_to is not None:
        if reply_to.discussion_id != discussion.pk or not rules.has_perm(
            "consultations.reply_to_comment", author, reply_to
        ):
            raise ActionError(
                _("You can only reply to a published comment of this discussion."),
                code="reply_to",
            )
        thread = reply_to.thread or reply_to
    with transaction.atomic():
        # Serialise one person's posts so two quick requests cannot both pass the rate limit.
        User.objects.select_for_update().filter(pk=author.pk).first()
        if idempotency_key:
            earlier = Comment.objects.filter(author=author, idempotency_key=idempotency_key)
            if earlier.exists():
                return earlier.get()
        _check_rate(author)
        review_reason = _review_reason(discussion.consultation, text)
        comment = Comment.objects.create(
            discussion=discussion,
            author=author,
            thread=thread,
            reply_to=reply_to,
            text=text,
            status=Comment.Status.PENDING if review_reason else Comment.Status.PUBLISHED,
            needs_review_reason=review_reason,
            idempotency_key=idempotency_key,
        )
        if review_reason:
            broadcast_queue_changed(comment, discussion.consultation_id)
        else:
            broadcast_comment(comment, realtime.EventType.COMMENT_POSTED)
    return comment


def edit_comment(*, editor: User, comment: Comment, text: str) -> Comment:
    """Change one's own comment within the edit window; the old wording is kept for moderators.

    Who: ``consultations.change_comment`` (the author, while the phase opens commenting). An
    edit that matches the word list, or any edit in a pre-moderated consultation, goes back to
    the queue. Broadcasts ``discussion.comment_changed``.
    """
    if not rules.has_perm("consultations.change_comment", editor, comment):
        raise PermissionDenied(_("This comment can no longer be edited."))
    text = _clean_comment_text(text)
    with transaction.atomic():
        comment = (
            Comment.objects.select_for_update().select_related("discussion").get(pk=comment.pk)
        )
        if text == comment.text:
            return comment
        CommentRevision.objects.create(comment=comment, text=comment.text)
        comment.text = text
        comment.edited_at = timezone.now()
        fields = ["text", "edited_at", "modified"]
        review_reason = _review_reason(comment.discussion.consultation, text)
        if review_reason and comment.status == Comment.Status.PUBLISHED:
            comment.status = Comment.Status.PENDING
            comment.needs_review_reason = review_reason
            fields += ["status", "needs_review_reason"]
        comment.save(update_fields=fields)
        if comment.status == Comment.Status.PENDING:
            broadcast_queue_changed(comment, comment.discussion.consultation_id)
        broadcast_comment(comment, realtime.EventType.COMMENT_CHANGED)
    return comment


def delete_comment(*, author: User, comment: Comment) -> Comment:
    """Delete one's own comment: the text goes, a tombstone keeps the thread readable.

    Who: ``consultations.delete_comment`` (the author, any time). Removes the text and its
    earlier wordings and reactions. Broadcasts ``discussion.comment_changed``.
    """
    if not rules.has_perm("consultations.delete_comment", author, comment):
        raise PermissionDenied()
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        was_pending = comment.status == Comment.Status.PENDING
        comment.status = Comment.Status.DELETED
        comment.text = ""
        comment.is_pinned = False
        comment.agree_count = comment.disagree_count = 0
        comment.escalated = False
        comment.save()
        comment.revisions.all().delete()
        comment.reactions.all().delete()
        Report.objects.filter(comment=comment, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), outcome=Report.Outcome.MOOT
        )
        consultation_id = Discussion.objects.values_list("consultation_id", flat=True).get(
            pk=comment.discussion_id
        )
        if was_pending or comment.open_report_count:
            broadcast_queue_changed(comment, consultation_id)
        if not was_pending:
            broadcast_comment(comment, realtime.EventType.COMMENT_CHANGED)
    return comment


def react(*, user: User, comment: Comment, value: str | None) -> Comment:
    """Agree or disagree with a comment; the same value again (or None) takes it back.

    Who: ``consultations.add_reaction``; not on one's own comment. Counts are recomputed from
    the reactions under a row lock, so concurrent reactions cannot drift them.
    Broadcasts ``discussion.reactions_changed``, coalesced to a few per second per comment.
    """
    if not rules.has_perm("consultations.add_reaction", user, comment.discussion):
        raise PermissionDenied(_("You cannot react here at the moment."))
    if value not in {None, *Reaction.Value.values}:
        raise ActionError(_("Unknown reaction."))
    if comment.author_id == user.pk:
        raise ActionError(_("You cannot react to your own comment."))
    if not rules.has_perm("consultations.react_to_comment", user, comment):
        raise ActionError(_("This comment cannot be reacted to."))
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.status != Comment.Status.PUBLISHED:
            raise ActionError(_("This comment cannot be reacted to."))
        existing = Reaction.objects.filter(comment=comment, user=user).first()
        if existing and (value is None or existing.value == value):
            existing.delete()
        elif existing:
            existing.value = value
            existing.save(update_fields=["value", "modified"])
        elif value:
            Reaction.objects.create(comment=comment, user=user, value=value)
        counts = comment.reactions.aggregate(
            agree=Count("pk", filter=Q(value=Reaction.Value.AGREE)),
            disagree=Count("pk", filter=Q(value=Reaction.Value.DISAGREE)),
        )
        comment.agree_count, comment.disagree_count = counts["agree"], counts["disagree"]
        comment.save(update_fields=["agree_count", "disagree_count"])
        realtime.broadcast_state_coalesced(
            realtime.discussion_group(comment.discussion_id),
            realtime.EventType.REACTIONS_CHANGED,
            f"reactions.{comment.pk}",
            lambda: payloads.reactions_payload(Comment.objects.get(pk=comment.pk)),
        )
    return comment


def report_counts_towards_auto_hide(reporter: User) -> bool:
    """Whether a report from this person may help hide a comment automatically: not from
    accounts younger than REPORT_MIN_ACCOUNT_AGE_DAYS (three fresh accounts must not be able to
    silence anyone), nor from people whose reports moderators rejected
    REPORT_REJECTIONS_BEFORE_IGNORED times within REPORT_REJECTION_DAYS. Such reports still
    reach the moderators."""
    now = timezone.now()
    if reporter.date_joined > now - timedelta(days=settings.REPORT_MIN_ACCOUNT_AGE_DAYS):
        return False
    rejected = Report.objects.filter(
        reporter=reporter,
        outcome=Report.Outcome.REJECTED,
        resolved_at__gte=now - timedelta(days=settings.REPORT_REJECTION_DAYS),
    ).count()
    return rejected < settings.REPORT_REJECTIONS_BEFORE_IGNORED


def never_hidden_by_reports(comment: Comment) -> bool:
    """The town's official answers and comments of staff (moderators here, site moderators,
    editors, admins) are not hidden by reports; enough reports put them first in the queue."""
    from consultations.rules import is_staff_for

    if comment.is_official:
        return True
    return comment.author is not None and bool(
        is_staff_for(comment.author, comment.discussion.consultation)
    )


def report_comment(*, reporter: User, comment: Comment, reason: str, text: str = "") -> Report:
    """Report a comment to the moderators, with a reason.

    Who: ``consultations.report_comment`` (residents who can see it, not its author, not
    blocked), once per comment. Once ``discussion.auto_hide_after_reports`` open reports that
    count (``report_counts_towards_auto_hide``) have come in, the comment is hidden pending
    review (recorded as an automatic decision, its author notified without anything about the
    reporters) — unless it is never hidden by reports (``never_hidden_by_reports``); then it is
    escalated to the top of the queue. Broadcasts the queue change, and
    ``discussion.comment_changed`` if it was hidden.
    """
    if not rules.has_perm("consultations.report_comment", reporter, comment):
        raise PermissionDenied(_("You cannot report this comment."))
    if reason not in ReportReason.values:
        raise ActionError(_("Please choose a reason for your report."), code="reason")
    text = clean_plain_text(text)
    if reason == ReportReason.OTHER and not text:
        raise ActionError(_("Please describe the problem in a few words."), code="text")
    if len(text) > 1000:
        raise ActionError(_("Please keep the description under 1,000 characters."))
    try:
        with transaction.atomic():
            comment = (
                Comment.objects.select_for_update().select_related("discussion").get(pk=comment.pk)
            )
            report = Report.objects.create(
                comment=comment,
                reporter=reporter,
                reason=reason,
                text=text,
                counts_towards_auto_hide=report_counts_towards_auto_hide(reporter),
            )
            open_reports = comment.reports.filter(resolved_at__isnull=True)
            comment.open_report_count = open_reports.count()
            fields = ["open_report_count"]
            enough = (
                comment.status == Comment.Status.PUBLISHED
                and open_reports.filter(counts_towards_auto_hide=True).count()
                >= comment.discussion.auto_hide_after_reports
            )
            hidden = enough and not never_hidden_by_reports(comment)
            if enough and not hidden and not comment.escalated:
                comment.escalated = True
                fields.append("escalated")
            if hidden:
                comment.status = Comment.Status.HIDDEN
                comment.is_pinned = False
                comment.moderation_reason = RemovalReason.REPORTED
                comment.moderation_note = ""
                fields += ["status", "is_pinned", "moderation_reason", "moderation_note"]
            comment.save(update_fields=fields)
            consultation_id = comment.discussion.consultation_id
            if hidden:
                ModerationDecision.objects.create(
                    consultation_id=consultation_id,
                    comment=comment,
                    subject_id=comment.author_id,
                    kind=ModerationDecision.Kind.AUTO_HIDE,
                    reason=RemovalReason.REPORTED,
                    note=ngettext(
                        "%(count)d report", "%(count)d reports", comment.open_report_count
                    )
                    % {"count": comment.open_report_count},
                )
                notify_author(comment, hidden=True)
                broadcast_comment(comment, realtime.EventType.COMMENT_CHANGED)
            broadcast_queue_changed(comment, consultation_id)
    except IntegrityError as error:
        raise ActionError(_("You have already reported this comment."), code="duplicate") from error
    return report
