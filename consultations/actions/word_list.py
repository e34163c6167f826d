"""The word list: words and phrases that send a comment to the moderation queue."""

from __future__ import annotations

import rules
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from consultations.actions import ActionError, PermissionDenied
from consultations.actions.deletions import delete_logged, lock_for_deletion
from consultations.models import BlockedWord, User


def _clean_phrase(phrase: str, *, exclude: int | None = None) -> str:
    """Trimmed, single spaces, unique whatever its case (the list matches case-insensitively,
    so "Idiot" and "idiot" would be the same entry)."""
    phrase = " ".join((phrase or "").split())
    if not phrase:
        raise ActionError(_("Please enter a word or phrase."), code="phrase")
    # Compared in Python: databases fold only ASCII case ("STRAẞE" is "straße").
    others = BlockedWord.objects.exclude(pk=exclude).values_list("phrase", flat=True)
    if any(other.casefold() == phrase.casefold() for other in others):
        raise ActionError(
            _("“%(phrase)s” is already on the word list.") % {"phrase": phrase}, code="phrase"
        )
    return phrase


def _save(word: BlockedWord, *, moderator: User, log_action: str) -> BlockedWord:
    try:
        with transaction.atomic():
            word.save()
            log(instance=word, action=log_action, user=moderator, content_changed=True)
    except IntegrityError as error:
        raise ActionError(
            _("“%(phrase)s” is already on the word list.") % {"phrase": word.phrase},
            code="phrase",
        ) from error
    return word


def add_blocked_word(*, moderator: User, phrase: str) -> BlockedWord:
    """Put a word or phrase on the word list (comments containing it wait for a moderator).

    Who: site moderators and admins (``consultations.add_blockedword``). Writes the entry and
    a ``wagtail.create`` audit entry. Broadcasts nothing: it applies to comments posted from
    now on.
    """
    if not rules.has_perm("consultations.add_blockedword", moderator):
        raise PermissionDenied()
    word = BlockedWord(phrase=_clean_phrase(phrase))
    return _save(word, moderator=moderator, log_action="wagtail.create")


def change_blocked_word(*, moderator: User, word: BlockedWord, phrase: str) -> BlockedWord:
    """Change an entry of the word list.

    Who: site moderators and admins (``consultations.change_blockedword``). Writes the entry
    and a ``wagtail.edit`` audit entry. Broadcasts nothing.
    """
    if not rules.has_perm("consultations.change_blockedword", moderator, word):
        raise PermissionDenied()
    phrase = _clean_phrase(phrase, exclude=word.pk)
    with transaction.atomic():
        word = BlockedWord.objects.select_for_update().get(pk=word.pk)
        word.phrase = phrase
        return _save(word, moderator=moderator, log_action="wagtail.edit")


def delete_blocked_word(*, moderator: User, word: BlockedWord) -> BlockedWord:
    """Take a word or phrase off the word list.

    Who: site moderators and admins (``consultations.delete_blockedword``). Writes the
    deletion and its ``wagtail.delete`` audit entry. Broadcasts nothing: comments held for it
    stay in the moderation queue until a moderator decides; comments posted from now on are
    no longer held for it. Returns the deleted entry (without primary key).
    """
    if not rules.has_perm("consultations.delete_blockedword", moderator, word):
        raise PermissionDenied()
    with transaction.atomic():
        word = lock_for_deletion(word)
        return delete_logged(word, user=moderator)
