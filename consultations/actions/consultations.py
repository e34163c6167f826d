from __future__ import annotations

import rules
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations import realtime
from consultations.actions import ActionError, PermissionDenied
from consultations.models import Consultation, User
from consultations.sanitising import clean_plain_text


def publish_results(*, editor: User, consultation: Consultation, statement: str) -> Consultation:
    """Publish the town's "what became of your input" statement for a consultation.

    Who: editors and admins (``consultations.publish_results``). Writes the statement and the
    publication time. Broadcasts ``consultation.results_published`` to the consultation's group.
    """
    if not rules.has_perm("consultations.publish_results", editor, consultation):
        raise PermissionDenied()
    statement = clean_plain_text(statement)
    if not statement:
        raise ActionError(_("The statement must not be empty."), code="empty")
    if len(statement) > 20000:
        raise ActionError(_("The statement is too long (at most 20,000 characters)."))
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        consultation.results_statement = statement
        consultation.results_published_at = timezone.now()
        consultation.save(update_fields=["results_statement", "results_published_at", "modified"])
        realtime.broadcast_on_commit(
            realtime.consultation_group(consultation.pk),
            realtime.EventType.RESULTS_PUBLISHED,
            {
                "consultation": consultation.pk,
                "statement": consultation.results_statement,
                "published_at": consultation.results_published_at.isoformat(),
            },
        )
    return consultation
