"""Moderators' writes: approve, hide, restore, pin, mark official, dismiss reports, block.

Every decision is recorded as a ModerationDecision (who, what, when, why); the public log
shows counts and reasons only.
"""

from __future__ import annotations

from datetime import datetime

import rules
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations import realtime
from consultations.actions import ActionError, PermissionDenied
from consultations.actions.comment_effects import (
    broadcast_comment,
    broadcast_queue_changed,
    notify_author,
)
from consultations.actions.notices import send_notice
from consultations.models import (
    Comment,
    Consultation,
    ModerationDecision,
    RemovalReason,
    Report,
    User,
    UserBlock,
)
from consultations.modules import discussion_notices
from consultations.predicates import is_admin, is_site_moderator
from consultations.sanitising import clean_plain_text


def _require_moderator(moderator: User, target) -> None:
    if not rules.has_perm("consultations.moderate_discussion", moderator, target):
        raise PermissionDenied()


def _clean_note(note: str) -> str:
    note = clean_plain_text(note)
    if len(note) > 500:
        raise ActionError(_("Please keep the note under 500 characters."), code="note")
    return note


def _locked(comment: Comment) -> Comment:
    return (
        # Lock the comment row only: PostgreSQL cannot lock the nullable side of the author join.
        Comment.objects.select_for_update(of=("self",))
        .select_related("discussion", "author")
        .get(pk=comment.pk)
    )


def _record(comment: Comment, moderator: User, kind: str, reason: str = "", note: str = ""):
    return ModerationDecision.objects.create(
        consultation_id=comment.discussion.consultation_id,
        comment=comment,
        moderator=moderator,
        subject_id=comment.author_id,
        kind=kind,
        reason=reason,
        note=note,
    )


def _resolve_reports(comment: Comment, outcome: str) -> None:
    """Close the open reports with what the moderator made of them: rejected reports count
    against their reporters' weight later (``report_counts_towards_auto_hide``)."""
    Report.objects.filter(comment=comment, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), outcome=outcome
    )
    comment.open_report_count = 0
    comment.escalated = False


def _broadcast(
    comment: Comment, event_type: str = realtime.EventType.COMMENT_CHANGED, *, queue: bool = True
) -> None:
    broadcast_comment(comment, event_type)
    if queue:
        broadcast_queue_changed(comment, comment.discussion.consultation_id)


def approve_comment(*, moderator: User, comment: Comment) -> Comment:
    """Publish a comment waiting in the queue, or keep a reported one and dismiss its reports.

    Who: ``consultations.moderate_discussion``. Broadcasts ``discussion.comment_posted`` for a
    newly published comment, and the queue change.
    """
    _require_moderator(moderator, comment)
    with transaction.atomic():
        comment = _locked(comment)
        if comment.status == Comment.Status.PENDING:
            comment.status = Comment.Status.PUBLISHED
            comment.needs_review_reason = ""
            _resolve_reports(comment, Report.Outcome.REJECTED)
            comment.save()
            _record(comment, moderator, ModerationDecision.Kind.APPROVE)
            notify_author(comment)
            _broadcast(comment, realtime.EventType.COMMENT_POSTED)
        elif comment.status == Comment.Status.PUBLISHED and comment.open_report_count:
            _resolve_reports(comment, Report.Outcome.REJECTED)
            comment.save()
            _record(comment, moderator, ModerationDecision.Kind.DISMISS_REPORTS)
            broadcast_queue_changed(comment, comment.discussion.consultation_id)
        else:
            raise ActionError(_("There is nothing to approve on this comment."), code="state")
    return comment


def hide_comment(*, moderator: User, comment: Comment, reason: str, note: str = "") -> Comment:
    """Remove a comment from public view, leaving a tombstone with the public reason.

    Who: ``consultations.moderate_discussion``. The author is notified with the reason (and the
    optional note). Resolves open reports. Broadcasts ``discussion.comment_changed``.
    """
    _require_moderator(moderator, comment)
    if reason not in RemovalReason.values:
        raise ActionError(_("Please choose a reason: it is shown publicly."), code="reason")
    note = _clean_note(note)
    with transaction.atomic():
        comment = _locked(comment)
        if comment.status == Comment.Status.DELETED:
            raise ActionError(_("The author has already deleted this comment."), code="state")
        was_pending = comment.status == Comment.Status.PENDING
        comment.status = Comment.Status.HIDDEN
        comment.is_pinned = False
        comment.moderation_reason = reason
        comment.moderation_note = note
        comment.needs_review_reason = ""
        _resolve_reports(comment, Report.Outcome.UPHELD)
        comment.save()
        _record(comment, moderator, ModerationDecision.Kind.HIDE, reason, note)
        notify_author(comment, hidden=True)
        if was_pending:
            # It was never public: nothing changes for viewers but the queue.
            broadcast_queue_changed(comment, comment.discussion.consultation_id)
        else:
            _broadcast(comment)
    return comment


def restore_comment(*, moderator: User, comment: Comment, note: str = "") -> Comment:
    """Make a hidden comment visible again (e.g. hidden automatically after unfounded reports).

    Who: ``consultations.moderate_discussion``. Broadcasts ``discussion.comment_changed``.
    """
    _require_moderator(moderator, comment)
    note = _clean_note(note)
    with transaction.atomic():
        comment = _locked(comment)
        if comment.status != Comment.Status.HIDDEN:
            raise ActionError(_("Only hidden comments can be restored."), code="state")
        comment.status = Comment.Status.PUBLISHED
        comment.moderation_reason = ""
        comment.moderation_note = ""
        _resolve_reports(comment, Report.Outcome.REJECTED)
        comment.save()
        _record(comment, moderator, ModerationDecision.Kind.RESTORE, note=note)
        notify_author(comment, restored=True)
        _broadcast(comment)
    return comment


def set_pinned(*, moderator: User, comment: Comment, pinned: bool) -> Comment:
    """Pin a published top-level comment to the top of its discussion, or unpin it.

    Who: ``consultations.moderate_discussion``. Broadcasts ``discussion.comment_changed``.
    """
    _require_moderator(moderator, comment)
    with transaction.atomic():
        comment = _locked(comment)
        if pinned and (comment.status != Comment.Status.PUBLISHED or comment.thread_id):
            raise ActionError(_("Only published top-level comments can be pinned."), code="state")
        if comment.is_pinned == pinned:
            return comment
        comment.is_pinned = pinned
        comment.save(update_fields=["is_pinned", "modified"])
        kind = ModerationDecision.Kind.PIN if pinned else ModerationDecision.Kind.UNPIN
        _record(comment, moderator, kind)
        _broadcast(comment, queue=False)
    return comment


def set_official(*, moderator: User, comment: Comment, official: bool) -> Comment:
    """Mark a published comment as the town's official answer, or remove the mark.

    Who: ``consultations.moderate_discussion``. Broadcasts ``discussion.comment_changed``.
    """
    _require_moderator(moderator, comment)
    with transaction.atomic():
        comment = _locked(comment)
        if official and comment.status != Comment.Status.PUBLISHED:
            raise ActionError(_("Only published comments can be official answers."), code="state")
        if comment.is_official == official:
            return comment
        comment.is_official = official
        comment.save(update_fields=["is_official", "modified"])
        kind = (
            ModerationDecision.Kind.MARK_OFFICIAL
            if official
            else ModerationDecision.Kind.UNMARK_OFFICIAL
        )
        _record(comment, moderator, kind)
        _broadcast(comment, queue=False)
    return comment


def block_user(
    *,
    moderator: User,
    user: User,
    consultation: Consultation | None,
    until: datetime | None,
    reason: str,
    note: str = "",
) -> UserBlock:
    """Stop a person from contributing in one consultation, or site-wide, until a date.

    Who: moderators of that consultation; site-wide blocks only site moderators and admins.
    Moderators cannot be blocked by moderators. The person is notified. Broadcasts nothing.
    """
    if consultation is None:
        if not (is_site_moderator | is_admin)(moderator):
            raise PermissionDenied(_("Only site moderators can block people everywhere."))
    else:
        _require_moderator(moderator, consultation)
    if user.pk == moderator.pk:
        raise ActionError(_("You cannot block yourself."), code="self")
    if rules.has_perm("consultations.moderate_discussion", user, consultation) or user.is_superuser:
        raise ActionError(_("Moderators cannot be blocked here."), code="moderator")
    if reason not in RemovalReason.values:
        raise ActionError(_("Please choose a reason."), code="reason")
    if until is not None and until <= timezone.now():
        raise ActionError(_("The end of the block must be in the future."), code="until")
    note = _clean_note(note)
    with transaction.atomic():
        block = UserBlock.objects.create(
            user=user,
            consultation=consultation,
            until=until,
            reason=reason,
            note=note,
            moderator=moderator,
        )
        ModerationDecision.objects.create(
            consultation=consultation,
            moderator=moderator,
            subject=user,
            kind=ModerationDecision.Kind.BLOCK_USER,
            reason=reason,
            note=note,
        )
        send_notice(
            recipient_id=user.pk,
            kind=discussion_notices.BLOCKED,
            target=consultation,
            params={
                "reason": reason,
                "note": note,
                "until": until.isoformat() if until else None,
                "site_wide": consultation is None,
            },
        )
    return block


def lift_block(*, moderator: User, block: UserBlock) -> UserBlock:
    """End a block early. Who: whoever could have set it."""
    if block.consultation_id is None:
        if not (is_site_moderator | is_admin)(moderator):
            raise PermissionDenied()
    else:
        _require_moderator(moderator, block.consultation)
    with transaction.atomic():
        block.lifted_at = timezone.now()
        block.save(update_fields=["lifted_at", "modified"])
        ModerationDecision.objects.create(
            consultation_id=block.consultation_id,
            moderator=moderator,
            subject_id=block.user_id,
            kind=ModerationDecision.Kind.UNBLOCK_USER,
        )
    return block
