"""Reads that take a user or span models."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import rules
from django.core.paginator import Paginator
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

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

COMMENTS_PER_PAGE = 10
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
    from django.db.models import Count

    from consultations.models import Comment, Reaction

    order = SORTS.get(sort, SORTS["oldest"])
    visible = _visible_comments(discussion, user)
    # Both counts in one query: the threads this person sees (for the pages) and the public
    # comments (the heading).
    counts = visible.aggregate(
        threads=Count("pk", filter=Q(thread__isnull=True)),
        public=Count("pk", filter=~Q(status=Comment.Status.PENDING)),  # as .public()
    )
    top_level = visible.top_level().select_related("author").order_by("-is_pinned", *order)
    paginator = Paginator(top_level, COMMENTS_PER_PAGE)
    paginator.count = counts["threads"]  # a cached_property: no second COUNT
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
        "comment_count": counts["public"],
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
    filters = QueueFilters(consultation=consultation_id)
    return _queue_items(_queue_base(user).filter(_queue_filter_q(filters)), filters)


# The queue page: filters, counts per filter and pages. Every count is taken over the queue of
# consultations the person moderates, so no count says anything about other consultations.

QUEUE_PAGE_SIZE = 20
QUEUE_STATES = {
    "pending": (_("Awaiting review"), Q(status="pending")),
    "reported": (_("Reported"), Q(status__in=["published", "deleted"])),
    "hidden": (_("Hidden, reported"), Q(status="hidden")),
}
QUEUE_AGES = {
    # key: (label, waiting at least, waiting less than)
    "day": (_("less than a day"), None, timedelta(days=1)),
    "week": (_("1 to 7 days"), timedelta(days=1), timedelta(days=7)),
    "older": (_("more than a week"), timedelta(days=7), None),
}
QUEUE_SORTS = {
    "oldest": (_("waiting longest first"), ("-escalated", "waiting_since", "pk")),
    "newest": (_("newest first"), ("-escalated", "-waiting_since", "-pk")),
}
QUEUE_HOLD_REASONS = {
    "pre_moderation": (
        _("held: every comment is reviewed"),
        Q(status="pending", needs_review_reason="pre-moderation"),
    ),
    "word_list": (
        _("held: word from the word list"),
        Q(status="pending", needs_review_reason__startswith="word list:"),
    ),
}


def queue_reasons() -> dict[str, str]:
    """Filter values for "why it is in the queue": held for review, or reported as ..."""
    from consultations.models import ReportReason

    reasons = {key: label for key, (label, _q) in QUEUE_HOLD_REASONS.items()}
    for value, label in ReportReason.choices:
        reasons[f"report_{value}"] = _("reported: %(reason)s") % {"reason": label}
    return reasons


@dataclass(frozen=True)
class QueueFilters:
    """What the queue page shows; unknown values never get this far (the form drops them)."""

    consultation: int | None = None
    reason: str = ""
    state: str = ""
    age: str = ""
    sort: str = "oldest"

    def without(self, name: str) -> QueueFilters:
        return replace(self, **{name: None if name == "consultation" else ""})

    def query(self, **changes) -> str:
        """The page's query string with these filters (and ``changes``), defaults left out."""
        from django.utils.http import urlencode

        values = {
            "consultation": self.consultation or "",
            "reason": self.reason,
            "state": self.state,
            "age": self.age,
            "sort": "" if self.sort == "oldest" else self.sort,
        }
        values.update(changes)
        return urlencode({key: value for key, value in values.items() if value not in ("", None)})


def _queue_base(user):
    """Every queue item of the consultations this person moderates, with ``waiting_since``:
    for a comment awaiting review, when it was written or last edited; for a reported one,
    when its oldest open report came in."""
    from django.db.models import Case, OuterRef, Subquery, When
    from django.db.models.functions import Coalesce

    from consultations.models import Comment, Report

    oldest_open_report = (
        Report.objects.filter(comment=OuterRef("pk"), resolved_at__isnull=True)
        .order_by("created")
        .values("created")[:1]
    )
    return (
        Comment.objects.filter(discussion__consultation__in=moderated_consultations(user))
        .filter(Q(status=Comment.Status.PENDING) | Q(open_report_count__gt=0))
        .annotate(
            waiting_since=Case(
                When(status=Comment.Status.PENDING, then=Coalesce("edited_at", "created")),
                default=Coalesce(Subquery(oldest_open_report), "created"),
            )
        )
    )


def _reason_q(reason: str) -> Q:
    from django.db.models import Exists, OuterRef

    from consultations.models import Report

    if reason in QUEUE_HOLD_REASONS:
        return QUEUE_HOLD_REASONS[reason][1]
    return Q(
        Exists(
            Report.objects.filter(
                comment=OuterRef("pk"),
                resolved_at__isnull=True,
                reason=reason.removeprefix("report_"),
            )
        )
    )


def _age_q(age: str, now) -> Q:
    _label, at_least, less_than = QUEUE_AGES[age]
    q = Q()
    if at_least is not None:
        q &= Q(waiting_since__lte=now - at_least)
    if less_than is not None:
        q &= Q(waiting_since__gt=now - less_than)
    return q


def _queue_filter_q(filters: QueueFilters, now=None) -> Q:
    q = Q()
    if filters.consultation:
        q &= Q(discussion__consultation_id=filters.consultation)
    if filters.reason:
        q &= _reason_q(filters.reason)
    if filters.state:
        q &= QUEUE_STATES[filters.state][1]
    if filters.age:
        q &= _age_q(filters.age, now or timezone.now())
    return q


def _queue_items(queryset, filters: QueueFilters):
    from django.db.models import Prefetch

    from consultations.models import Report

    return (
        queryset.select_related("author", "discussion__consultation")
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=Report.objects.filter(resolved_at__isnull=True).order_by("created", "pk"),
                to_attr="open_reports",
            )
        )
        .order_by(*QUEUE_SORTS.get(filters.sort, QUEUE_SORTS["oldest"])[1])
    )


class _CountedPaginator(Paginator):
    """A paginator told its count (taken with the filter counts) instead of asking again."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def moderation_queue_page(user, *, filters: QueueFilters, page=1, now=None) -> dict:
    """One page of the queue with counts per filter value, in a fixed number of queries.

    Each filter's counts apply the other active filters but not its own (as a shop's facets
    do): "Reported (12)" says what choosing it would show. ``page`` beyond the end gives the
    last page (items are decided while a moderator pages), garbage gives the first.
    """
    from django.db.models import Count

    now = now or timezone.now()
    base = _queue_base(user)

    def narrowed(without: str):
        return base.filter(_queue_filter_q(filters.without(without), now))

    per_consultation = dict(
        narrowed("consultation")
        .values_list("discussion__consultation_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_consultation[""] = sum(per_consultation.values())
    reasons = queue_reasons()
    counts = {
        "consultation": per_consultation,
        "reason": _aggregate(narrowed("reason"), {key: _reason_q(key) for key in reasons}),
        "state": _aggregate(
            narrowed("state"), {key: q for key, (_label, q) in QUEUE_STATES.items()}
        ),
        "age": _aggregate(narrowed("age"), {key: _age_q(key, now) for key in QUEUE_AGES}),
    }
    # Every item is in one consultation: the consultation counts give the total, no COUNT query.
    total = (
        per_consultation.get(filters.consultation, 0)
        if filters.consultation
        else per_consultation[""]
    )
    selected = base.filter(_queue_filter_q(filters, now))
    paginator = _CountedPaginator(_queue_items(selected, filters), QUEUE_PAGE_SIZE, count=total)
    page_obj = paginator.get_page(page)
    return {
        "page_obj": page_obj,
        "items": list(page_obj.object_list),
        "counts": counts,
        "total": total,
        "reasons": reasons,
    }


def _aggregate(queryset, conditions: dict[str, Q]) -> dict[str, int]:
    """How many rows there are (key ``""``) and match each condition, in one query."""
    from django.db.models import Count

    row = queryset.aggregate(
        all=Count("pk"), **{f"n_{key}": Count("pk", filter=q) for key, q in conditions.items()}
    )
    return {"": row["all"], **{key: row[f"n_{key}"] or 0 for key in conditions}}


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
