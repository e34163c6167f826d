import pytest
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


@pytest.fixture
def database_queue(settings):
    """The database queue, as configured for production, in the test database."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": settings.TASK_QUEUES,
            "OPTIONS": {"id_function": "consultations.tasks.queue.new_task_id"},
        }
    }
    settings.TASK_RETRY_DELAY_SECONDS = 0


@pytest.fixture
def work_off(database_queue):
    """Run what is ready on a queue as ``db_worker`` does, in this process and its test
    transaction (the worker's own loop opens a transaction SQLite cannot nest)."""

    def work(queue: str = "default", limit: int = 50) -> int:
        worker = Worker(
            queue_names=[queue],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
        )
        done = 0
        while done < limit:
            result = DBTaskResult.objects.ready().filter(queue_name=queue).first()
            if result is None:
                break
            result.claim(worker.worker_id)
            worker.run_task(result)
            done += 1
        return done

    return work
