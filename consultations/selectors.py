"""Reads that take a user or span models."""

from __future__ import annotations

import rules
from django.db.models import Q

from consultations.models import Consultation, ConsultationMembership
from consultations.predicates import PROSPECTIVE_RESIDENT, is_admin, is_editor, is_site_moderator


def visible_consultations(user):
    """Consultations this person may see: public ones, plus private ones they belong to."""
    qs = Consultation.objects.all()
    if (is_site_moderator | is_editor | is_admin)(user):
        return qs
    if getattr(user, "is_authenticated", False):
        member_of = ConsultationMembership.objects.filter(user=user).values("consultation_id")
        return qs.filter(Q(visibility=Consultation.Visibility.PUBLIC) | Q(pk__in=member_of))
    return qs.public()


def would_resident_be_allowed(permission: str, target) -> bool:
    """Would signing up (as a verified resident without special roles) allow ``permission``?

    Drives "log in to take part" prompts for anonymous visitors.
    """
    return rules.has_perm(permission, PROSPECTIVE_RESIDENT, target)


# --- Discussions and moderation -------------------------------------------------------------

COMMENTS_PER_PAGE = 20
SORTS = {
    "oldest": ("created", "pk"),
    "newest": ("-created", "-pk"),
    "supported": ("-agree_count", "-created", "-pk"),
}


def moderated_consultations(user):
    """Consultations this person moderates: all for site moderators and admins."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Consultation.objects.none()
    if (is_site_moderator | is_admin)(user):
        return Consultation.objects.all()
    return Consultation.objects.filter(
        memberships__user=user, memberships__role=ConsultationMembership.Role.MODERATOR
    ).distinct()


def _visible_comments(discussion, user):
    from consultations.models import Comment

    qs = Comment.objects.filter(discussion=discussion)
    if getattr(user, "is_authenticated", False):
        return qs.filter(~Q(status=Comment.Status.PENDING) | Q(author=user))
    return qs.public()


def discussion_thread_page(discussion, user, *, sort: str = "oldest", page: int = 1) -> dict:
    """One page of top-level comments with all their replies, in a fixed number of queries.

    Pinned comments come first on the first page. Replies are shown oldest first, flat under
    their top-level comment. The person sees their own comments awaiting review.
    """
    from django.core.paginator import Paginator

    from consultations.models import Reaction

    order = SORTS.get(sort, SORTS["oldest"])
    visible = _visible_comments(discussion, user)
    top_level = visible.top_level().select_related("author").order_by("-is_pinned", *order)
    paginator = Paginator(top_level, COMMENTS_PER_PAGE)
    page_obj = paginator.get_page(page)
    threads = list(page_obj.object_list)
    replies = (
        visible.filter(thread__in=[c.pk for c in threads])
        .select_related("author", "reply_to__author")
        .order_by("created", "pk")
    )
    by_thread: dict[int, list] = {c.pk: [] for c in threads}
    for reply in replies:
        by_thread[reply.thread_id].append(reply)
        reply.discussion = discussion  # rules asked about a comment ask its discussion
    for comment in threads:
        comment.discussion = discussion
    for comment in threads:
        comment.reply_list = by_thread[comment.pk]
    own_reactions = {}
    if getattr(user, "is_authenticated", False):
        ids = [c.pk for c in threads] + [r.pk for c in threads for r in c.reply_list]
        own_reactions = dict(
            Reaction.objects.filter(user=user, comment_id__in=ids).values_list(
                "comment_id", "value"
            )
        )
    return {
        "discussion": discussion,
        "threads": threads,
        "page_obj": page_obj,
        "sort": sort if sort in SORTS else "oldest",
        "own_reactions": own_reactions,
        "comment_count": visible.public().count(),
    }


def page_of_comment(comment, *, sort: str = "oldest") -> int:
    """Which page (in the default order) shows this comment's thread, for permalinks."""
    from consultations.models import Comment

    thread = comment.thread or comment
    order = SORTS.get(sort, SORTS["oldest"])
    ids = list(
        Comment.objects.filter(discussion_id=comment.discussion_id, thread__isnull=True)
        .public()
        .order_by("-is_pinned", *order)
        .values_list("pk", flat=True)
    )
    try:
        return ids.index(thread.pk) // COMMENTS_PER_PAGE + 1
    except ValueError:
        return 1


def moderation_queue(user, *, consultation_id: int | None = None):
    """What needs a moderator: comments awaiting review and comments with open reports,
    oldest first (escalated ones, official answers and staff comments reported enough to be
    hidden, before all others), in the consultations this person moderates."""
    from django.db.models import Prefetch

    from consultations.models import Comment, Report

    consultations = moderated_consultations(user)
    if consultation_id:
        consultations = consultations.filter(pk=consultation_id)
    return (
        Comment.objects.filter(discussion__consultation__in=consultations)
        .filter(Q(status=Comment.Status.PENDING) | Q(open_report_count__gt=0))
        .select_related("author", "discussion__consultation")
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=Report.objects.filter(resolved_at__isnull=True).order_by("created"),
                to_attr="open_reports",
            )
        )
        .order_by("-escalated", "created", "pk")
    )


def moderation_log(consultation) -> dict:
    """The public moderation log: counts by what was done and why, never who or about whom."""
    from django.db.models import Count

    from consultations.models import Comment, ModerationDecision

    decisions = (
        ModerationDecision.objects.filter(consultation=consultation)
        .values("kind", "reason")
        .annotate(count=Count("pk"))
        .order_by("kind", "reason")
    )
    kinds = dict(ModerationDecision.Kind.choices)
    from consultations.models import RemovalReason

    reasons = dict(RemovalReason.choices)
    rows = [
        {
            "kind": kinds.get(row["kind"], row["kind"]),
            "reason": reasons.get(row["reason"], ""),
            "count": row["count"],
        }
        for row in decisions
    ]
    comments = Comment.objects.filter(discussion__consultation=consultation)
    return {
        "rows": rows,
        "comment_count": comments.exclude(status=Comment.Status.PENDING).count(),
        "hidden_count": comments.filter(status=Comment.Status.HIDDEN).count(),
        "recent": ModerationDecision.objects.filter(consultation=consultation)
        .exclude(kind__in=["block_user", "unblock_user"])
        .values("created", "kind", "reason")[:50],
    }


# --- Site search ----------------------------------------------------------------------------
# Comments and surveys are searched at query time, never copied into Wagtail's search index:
# the index would hold the text of held, hidden and deleted comments (and survey drafts) and
# be written on every comment. On PostgreSQL a partial GIN index on the published comments'
# German text vector (migration 0013) keeps this fast; see README, "Search".


def _case_variants(word: str) -> set[str]:
    """SQLite's LIKE ignores case for ASCII letters only: also try the word as typed, in lower
    case and capitalised, so "übung" finds "Übung" and "ÖPNV" finds "öpnv"."""
    if word.isascii():
        return {word}
    return {word, word.lower(), word[:1].upper() + word[1:].lower()}


def text_matches(queryset, fields: list[str], words: list[str]):
    """Rows whose ``fields`` contain every one of ``words`` (already cleaned of any syntax).

    PostgreSQL: full text with the site's stemming (``settings.SEARCH_CONFIG``: "Hallen"
    finds "Halle"), the words joined by ``plainto_tsquery``. SQLite: each word as a
    case-insensitive substring of one of the fields."""
    from functools import reduce
    from operator import or_

    from django.conf import settings
    from django.db import connections

    if not words:
        return queryset.none()
    if connections[queryset.db].vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vector = SearchVector(*fields, config=settings.SEARCH_CONFIG)
        query = SearchQuery(" ".join(words), config=settings.SEARCH_CONFIG, search_type="plain")
        return queryset.alias(search_vector=vector).filter(search_vector=query)
    for word in words:
        queryset = queryset.filter(
            reduce(
                or_,
                (
                    Q(**{f"{field}__icontains": variant})
                    for field in fields
                    for variant in _case_variants(word)
                ),
            )
        )
    return queryset


def _visible_instances(label: str, queryset, user):
    """The module's own ``visible`` (asked through the registry, which imports nothing of
    ours: the modules import this file)."""
    from consultations.registry import registered

    (module,) = [module for module in registered() if module.label == label]
    return module.visible(queryset, user)


def search_comments(user, words: list[str]):
    """Published comments containing ``words`` in discussions this person may see, newest
    first: what ``consultations.read_comment`` lets everybody read. Held, hidden and deleted
    comments are never found, not by their authors or moderators either (they have their own
    pages for those)."""
    from consultations.models import Comment, Discussion

    discussions = _visible_instances("discussion", Discussion.objects.all(), user)
    comments = Comment.objects.filter(
        status=Comment.Status.PUBLISHED, discussion__in=discussions.values("pk")
    )
    return (
        text_matches(comments, ["text"], words)
        .select_related("discussion")
        .order_by("-created", "-pk")
    )


def search_surveys(user, words: list[str]):
    """Published surveys this person may see whose title or introduction contains ``words``,
    newest first. Drafts are never found, not by their staff either."""
    from consultations.models import Survey

    published = _visible_instances(
        "survey", Survey.objects.filter(status=Survey.Status.PUBLISHED), user
    )
    return (
        text_matches(published, ["title", "description"], words)
        .select_related("consultation")
        .order_by("-created", "-pk")
    )
