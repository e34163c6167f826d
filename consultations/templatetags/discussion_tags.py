from django import template

from consultations import payloads
from consultations.sanitising import render_plain_text

register = template.Library()


@register.filter
def comment_text(text):
    """Stored plain text as safe HTML: paragraphs and nofollow links, everything else escaped."""
    return render_plain_text(text)


@register.filter
def tombstone(comment):
    """The public line left where a removed comment was."""
    return payloads.tombstone_text(comment)


@register.filter
def review_reason(reason):
    """Why a comment waits for review, as a sentence part for moderators."""
    return payloads.review_reason_text(reason)


@register.filter
def can_edit(comment, user):
    """The author may still change this comment (published, within the edit window, phase
    open): the "Edit" link is offered only then."""
    import rules

    return rules.has_perm("consultations.change_comment", user, comment)


@register.filter
def edit_until(comment):
    """When the author's edit window closes (settings.COMMENT_EDIT_MINUTES), for the shared
    fragment: the browser offers "Edit" to the author until then; the server checks again."""
    from datetime import timedelta

    from django.conf import settings

    return comment.created + timedelta(minutes=settings.COMMENT_EDIT_MINUTES)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def new_idempotency_key():
    """A fresh key for a comment form: posting the same form twice makes one comment."""
    import uuid

    return uuid.uuid4().hex


@register.simple_tag
def consultation_url(consultation):
    """The address of the page presenting the consultation, or "" if none does."""
    from consultations.links import consultation_url as url_of

    return url_of(consultation) or ""


@register.simple_tag
def removal_reasons():
    """The reasons a moderator can give for removing something (shown publicly)."""
    from consultations.models import RemovalReason

    return RemovalReason.choices
