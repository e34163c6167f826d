"""pytest plugin (loaded by the root conftest.py): tasks run in the test process.

Every test gets the immediate task backend, so a task enqueued after a commit (e-mail, Wagtail's
index updates) has run when the commit returns. Tests of the queue itself switch to the
database backend (tests/consultations/tasks); tests/consultations/tasks/test_worker.py runs a
real ``db_worker``. Servers the deployment and browser tests start get the database queue.
"""

import pytest


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }


def commit_each_request(client, capture_on_commit_callbacks):
    """``client`` whose every request ends as if its transaction committed: what the request
    left for after the commit (queued e-mail) has happened when the response returns. For a
    module's ``client`` fixture: ``return commit_each_request(client,
    django_capture_on_commit_callbacks)``."""
    request = client.request

    def committing_request(**kwargs):
        with capture_on_commit_callbacks(execute=True):
            return request(**kwargs)

    client.request = committing_request
    return client
