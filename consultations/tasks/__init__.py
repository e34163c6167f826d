"""Background work (README, "Background tasks"): the mechanism in ``queue``, tasks by area.

Importing the package registers every periodic function, which is what
``manage.py schedule_periodic_tasks`` and the workers rely on.
"""

from consultations.tasks import housekeeping, mail  # noqa: F401  (registers the tasks)
from consultations.tasks.queue import (
    DEFAULT,
    LONG,
    background_task,
    enqueue_on_commit,
    periodic,
    schedule_periodic_tasks,
)

__all__ = [
    "DEFAULT",
    "LONG",
    "background_task",
    "enqueue_on_commit",
    "periodic",
    "schedule_periodic_tasks",
]
