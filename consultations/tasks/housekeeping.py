"""Periodic housekeeping: old live events and finished tasks go, once a day."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from consultations.realtime import prune_events
from consultations.tasks.queue import periodic

logger = logging.getLogger(__name__)


@periodic(every=timedelta(days=1))
def prune_live_events() -> int:
    """Live events older than the catch-up window (``realtime.EVENT_RETENTION``)."""
    deleted = prune_events()
    logger.info("Deleted %s old live events", deleted)
    return deleted


@periodic(every=timedelta(days=1))
def prune_task_results() -> int:
    """Finished tasks: successful ones after TASK_RESULTS_KEEP_DAYS (they carry mails with
    sign-in links), failed ones (what staff see as dead letters) after TASK_FAILED_KEEP_DAYS.
    Queued runs of periodic work are never finished, so their period keys stay."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    successful = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL,
        finished_at__lt=now - timedelta(days=settings.TASK_RESULTS_KEEP_DAYS),
    )
    failed = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED,
        finished_at__lt=now - timedelta(days=settings.TASK_FAILED_KEEP_DAYS),
    )
    deleted = successful.delete()[0] + failed.delete()[0]
    logger.info("Deleted %s finished tasks", deleted)
    return deleted
