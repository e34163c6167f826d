"""A person's notices and the language they are written to in.

Notices are data (``consultations.notices``): an action that tells someone something writes one
row with a kind, a target and the facts, in its own transaction, and the person's unread count
is pushed to their own socket after the commit.

Why the row is written in the action's transaction and not by a task in the worker: a notice
is one row for one person, the record of a decision made in that transaction. Written there,
it exists exactly when the decision does (a rolled-back hide leaves no notice; a committed one
cannot lose its notice to a worker that is down), and nothing expensive happens: the text is
rendered when it is read, in the reader's language. Only work that takes time or reaches out
(e-mailing notices, later) belongs in a task, enqueued with ``enqueue_on_commit``; the
language it needs is stored on the person (``User.preferred_language``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from consultations import realtime
from consultations.actions import ActionError
from consultations.models import Notification, User
from consultations.notices import unread_count
from consultations.sanitising import clean_plain_text


def _push_unread(user_id: int) -> None:
    realtime.send_state_on_commit(
        realtime.notices_group(user_id),
        realtime.EventType.NOTICES_CHANGED,
        lambda: {"unread": unread_count(user_id)},
    )


def send_notice(
    *, recipient_id: int, kind: str, target=None, params: dict | None = None
) -> Notification:
    """Write one notice for one person and push their unread count after the commit.

    Who: other actions (never a view directly), inside their own transaction; the caller has
    decided the person is to be told. ``params`` are JSON facts (codes, ISO dates, the
    moderators' note as plain text), never sentences: the text is rendered when it is read.
    """
    with transaction.atomic():
        notification = Notification.objects.create(
            recipient_id=recipient_id,
            kind=kind,
            target_type=ContentType.objects.get_for_model(target) if target is not None else None,
            target_id=target.pk if target is not None else None,
            # Plain, sanitised text only: what a moderator typed may hold markup or control
            # characters (PostgreSQL's JSON refuses NUL).
            params={
                key: clean_plain_text(value) if isinstance(value, str) else value
                for key, value in (params or {}).items()
            },
        )
        _push_unread(recipient_id)
    return notification


def mark_all_read(*, user: User) -> int:
    """Mark a person's notices as read. Who: the person. Pushes their unread count (0)."""
    with transaction.atomic():
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        _push_unread(user.pk)
    return count


def set_preferred_language(*, user: User, language: str) -> User:
    """Remember the language a person chose with the language switch, so that what is written
    to them without a request (by the worker) is in it. Who: the person."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ActionError("unknown language", code="language")
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    return user
