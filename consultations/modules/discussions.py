"""Discussions, the first participation module, as the contract describes it."""

from __future__ import annotations

from consultations.modules import discussion_notices
from consultations.phases import PhaseKind, Verb
from consultations.registry import ModuleType, register


def can_view(user, discussion) -> bool:
    """Who may see a discussion: whoever may see its owner, or else its consultation."""
    import rules

    from consultations.registry import module_for, owner_of

    owner = owner_of(discussion)
    if owner is not None:
        return module_for(owner).can_view(user, owner)
    return rules.has_perm("consultations.view_consultation", user, discussion.consultation)


def visible(queryset, user):
    """The discussions of a queryset this person may see (``can_view`` for many at once).

    Discussions owned by another module's objects are kept only where that module says so;
    no module owns discussions yet, so those are decided one by one.
    """
    from consultations.selectors import visible_consultations

    standalone = queryset.filter(owner_type__isnull=True)
    mine = standalone.filter(consultation__in=visible_consultations(user).values("pk"))
    owned = [d.pk for d in queryset.filter(owner_type__isnull=False) if can_view(user, d)]
    return queryset.filter(pk__in=mine.values("pk")) | queryset.filter(pk__in=owned)


def personal_data(user) -> dict:
    """A person's comments (with earlier wordings), reactions and reports."""
    from consultations.models import Comment, Reaction, Report

    comments = Comment.objects.filter(author=user).select_related("discussion").order_by("pk")
    return {
        "comments": [
            {
                "id": comment.pk,
                "discussion": comment.discussion.title,
                "created": comment.created.isoformat(),
                "status": comment.status,
                "text": comment.text,
                "earlier_versions": list(comment.revisions.values_list("text", flat=True)),
            }
            for comment in comments.prefetch_related("revisions")
        ],
        "reactions": [
            {"comment": comment_id, "value": value}
            for comment_id, value in Reaction.objects.filter(user=user)
            .order_by("pk")
            .values_list("comment_id", "value")
        ],
        "reports": [
            {"comment": comment_id, "reason": reason, "text": text}
            for comment_id, reason, text in Report.objects.filter(reporter=user)
            .order_by("pk")
            .values_list("comment_id", "reason", "text")
        ],
    }


def keep_contributions(user) -> None:
    """Comments stay, shown as "deleted account" (the account row is kept for that); reactions
    and reports stay too, so tallies and moderation records remain true. Nothing to do here."""


def _event_types() -> frozenset[str]:
    from consultations.realtime import EventType

    return frozenset(
        {
            EventType.COMMENT_POSTED,
            EventType.COMMENT_CHANGED,
            EventType.REACTIONS_CHANGED,
            EventType.QUEUE_CHANGED,
        }
    )


DISCUSSION = register(
    ModuleType(
        label="discussion",
        model="consultations.Discussion",
        verbs=frozenset({Verb.COMMENT, Verb.REACT}),
        default_phase_verbs={PhaseKind.PARTICIPATION: frozenset({Verb.COMMENT, Verb.REACT})},
        permissions=frozenset(
            {
                "consultations.add_comment",
                "consultations.add_reaction",
                "consultations.view_comment",
                "consultations.read_comment",
                "consultations.act_on_comment",
                "consultations.change_comment",
                "consultations.delete_comment",
                "consultations.reply_to_comment",
                "consultations.react_to_comment",
                "consultations.report_comment",
                "consultations.moderate_discussion",
            }
        ),
        can_view=lambda user, discussion: can_view(user, discussion),
        visible=lambda queryset, user: visible(queryset, user),
        live_event_types=_event_types(),
        notification_kinds=discussion_notices.KINDS,
        personal_data=personal_data,
        on_account_deleted=keep_contributions,
        search="Site search: published comments where the discussion is visible, at query time.",
        staff_exports={},
    )
)
