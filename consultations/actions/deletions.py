"""What every delete action shares: the row locked, one audit entry, the delete itself.

Below the action areas (they never import each other), so each area's delete action checks
its own rule and conditions and then calls ``lock_for_deletion`` and ``delete_logged``.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from consultations.actions import ActionError
from consultations.models import User

M = TypeVar("M", bound=models.Model)


def lock_for_deletion(instance: M) -> M:
    """The row again, locked until the caller's transaction ends, so the checks that follow
    (no comments, no page) hold when it is deleted; refused if it is gone already."""
    locked = type(instance).objects.select_for_update().filter(pk=instance.pk).first()
    if locked is None:
        raise ActionError(_("This has already been deleted."), code="gone")
    return locked


def delete_logged(instance: M, *, user: User, protected: str | None = None) -> M:
    """Write Wagtail's ``wagtail.delete`` log entry (before deleting, while the object still
    exists, as Wagtail's own delete does) and delete, all or nothing: the one audit entry of
    the deletion. A protected reference still pointing at the row (a page presenting a
    consultation, a consultation using a topic) refuses it with the message ``protected``
    (to say what to do first)."""
    try:
        with transaction.atomic():
            log(instance=instance, action="wagtail.delete", user=user, deleted=True)
            instance.delete()
    except ProtectedError as error:
        message = protected or _("Something else still refers to this, so it cannot be deleted.")
        raise ActionError(message, code="protected") from error
    return instance
