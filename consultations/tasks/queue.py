"""How every module runs work in the background: one way each to enqueue, retry and repeat.

The tasks framework is the ``django-tasks`` backport; the queue is a table in our database
(``django-tasks-db``), worked by ``manage.py db_worker`` (README, "Background tasks"). The
backport has no enqueue-on-commit, no retries and no periodic work; this module adds them:

- ``enqueue_on_commit(task, ...)``: a task enqueued inside an action's transaction runs only
  if, and after, that transaction commits. On the database queue the task's row is written in
  the caller's transaction (the queue table is our outbox: it commits or rolls back with the
  action, and nothing is lost if the process dies right after the commit); on any other backend
  the enqueue is deferred with ``transaction.on_commit``.
- ``@background_task(attempts=N)``: a failed attempt is enqueued again with a growing delay
  (``run_after``); the last failure is left FAILED. A FAILED task is a dead letter: nothing
  tries it again, and staff see it under "Failed tasks" in the admin (consultations/admin/tasks.py).
  An attempt that was rescheduled ends SUCCESSFUL with ``{"retried": ...}`` as its result.
- ``@periodic(every=...)``: each run enqueues the next one, whose queue row id is derived from
  the task and the period (uuid5): the queue's primary key is the idempotency key, so a period
  runs once however often it is scheduled. ``manage.py schedule_periodic_tasks`` (run before
  the workers start) re-seeds a broken chain.
- Long jobs use ``queue_name=LONG`` and have a worker of their own.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, router, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task as django_task
from django_tasks.base import Task

logger = logging.getLogger(__name__)

DEFAULT = "default"  # short work: e-mail, notices, housekeeping
LONG = "long"  # work that takes minutes (the panel draw); a worker of its own

# Set only while a periodic run is enqueued under its period's key (see ``new_task_id``).
_next_task_id: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar(
    "next_task_id", default=None
)
_PERIODIC_NAMESPACE = uuid.UUID("5b1f6a52-3f0e-4a0e-9d1c-6d2b4f0c9e17")


def new_task_id() -> uuid.UUID:
    """The database queue's ``id_function``: a random id, or the period key being enqueued."""
    return _next_task_id.get() or uuid.uuid4()


def _writes_to_queue_table(task: Task) -> bool:
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    return isinstance(task.get_backend(), DatabaseBackend) and (
        router.db_for_write(DBTaskResult) == transaction.get_connection().alias
    )


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task(*args, **kwargs)`` to run only if the current transaction commits.

    Outside a transaction it is enqueued at once. Arguments must be JSON (ids, not objects).
    A queue that cannot be reached after the commit is logged; it never fails the write.
    """
    if _writes_to_queue_table(task):
        task.enqueue(*args, **kwargs)
        return
    transaction.on_commit(functools.partial(_enqueue_now, task, args, kwargs), robust=True)


def _enqueue_now(task: Task, args: tuple, kwargs: dict) -> None:
    task.enqueue(*args, **kwargs)


# --- Retries ---------------------------------------------------------------------------------


def retry_delay(attempt: int) -> timedelta:
    """Wait before attempt ``attempt + 1``: doubling from TASK_RETRY_DELAY_SECONDS, capped,
    with ±20 % jitter so that a backlog (mail after an SMTP outage) does not return at once."""
    base = settings.TASK_RETRY_DELAY_SECONDS * 2 ** max(attempt - 1, 0)
    seconds = min(base, settings.TASK_RETRY_MAX_DELAY_SECONDS) * random.uniform(0.8, 1.2)
    return timedelta(seconds=seconds)


def background_task(
    func: Callable | None = None,
    *,
    queue_name: str = DEFAULT,
    priority: int = 0,
    attempts: int = 1,
):
    """Make ``func`` a task (like ``django_tasks.task``) that is tried up to ``attempts`` times.

    Every module defines its tasks with this decorator. The attempt number travels in the
    keyword argument ``_attempt`` (absent on the first); ``func`` never sees it.
    """
    if attempts < 1:
        raise ValueError("attempts must be 1 or more")

    def decorate(function: Callable) -> Task:
        @functools.wraps(function)
        def run(*args, _attempt: int = 1, **kwargs):
            try:
                return function(*args, **kwargs)
            except Exception as error:
                if _attempt >= attempts:
                    logger.error(
                        "Task %s gave up after %s attempts: %r", the_task.name, _attempt, error
                    )
                    raise
                delay = retry_delay(_attempt)
                again = the_task
                if the_task.get_backend().supports_defer:
                    again = the_task.using(run_after=timezone.now() + delay)
                logger.warning(
                    "Task %s failed (attempt %s of %s), trying again in %.0f s: %r",
                    the_task.name,
                    _attempt,
                    attempts,
                    delay.total_seconds(),
                    error,
                )
                result = again.enqueue(*args, _attempt=_attempt + 1, **kwargs)
                return {
                    "retried": True,
                    "attempt": _attempt,
                    "error": f"{type(error).__name__}: {error}"[:500],
                    "next_attempt": str(result.id),
                }

        run.max_attempts = attempts
        the_task = django_task(queue_name=queue_name, priority=priority)(run)
        return the_task

    return decorate(func) if func is not None else decorate


def attempt_of(kwargs: dict) -> int:
    """Which attempt a queued task's keyword arguments describe (1 for the first)."""
    value = (kwargs or {}).get("_attempt", 1)
    return value if isinstance(value, int) else 1


# --- Periodic work ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Periodic:
    """A function run once per period (``every`` from the Unix epoch, in UTC)."""

    path: str
    every: timedelta

    def period_of(self, moment: datetime) -> int:
        return int((moment - datetime(1970, 1, 1, tzinfo=UTC)) / self.every)

    def start_of(self, period: int) -> datetime:
        return datetime(1970, 1, 1, tzinfo=UTC) + period * self.every

    def key(self, period: int) -> uuid.UUID:
        return uuid.uuid5(_PERIODIC_NAMESPACE, f"{self.path}@{period}")


PERIODIC: dict[str, Periodic] = {}


def periodic(*, every: timedelta):
    """Register a plain function to run once per ``every`` on the default queue (see
    ``run_periodic``). The function must be idempotent within its period and quick."""
    if every < timedelta(minutes=1):
        raise ValueError("periodic work runs at most once a minute")

    def register(function: Callable) -> Callable:
        path = f"{function.__module__}.{function.__qualname__}"
        PERIODIC[path] = Periodic(path=path, every=every)
        return function

    return register


def schedule_next(path: str, *, now: datetime | None = None) -> bool:
    """Enqueue the run of the period after ``now`` for the periodic function ``path``, unless
    it is queued (or ran) already. True if this call enqueued it."""
    schedule = PERIODIC[path]
    if not run_periodic.get_backend().supports_defer:
        logger.info("The task backend cannot defer tasks: %s is not scheduled", path)
        return False
    period = schedule.period_of(now or timezone.now()) + 1
    token = _next_task_id.set(schedule.key(period))
    try:
        with transaction.atomic():
            run_periodic.using(run_after=schedule.start_of(period)).enqueue(path, period)
    except IntegrityError:
        return False
    finally:
        _next_task_id.reset(token)
    return True


def schedule_periodic_tasks() -> list[str]:
    """Make sure every registered periodic function has its next run queued (idempotent)."""
    return [path for path in sorted(PERIODIC) if schedule_next(path)]


@background_task(attempts=3)
def run_periodic(path: str, period: int) -> str:
    """One period's run: first queue the next period (so a failure here never breaks the
    chain), then do the work. A run that comes late (workers were down) schedules the period
    after now, not every period it missed."""
    if path not in PERIODIC:
        import_string(path)  # registers it
    schedule_next(path)
    import_string(path)()
    return f"{path}@{period}"


def dead_letters():
    """Tasks nothing will try again: failed on their last attempt, or without retries."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.failed().order_by("-finished_at")
