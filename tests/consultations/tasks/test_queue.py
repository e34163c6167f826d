"""The background-task contract (consultations/tasks/queue.py): enqueue after commit, retries
with backoff and dead letters, periodic runs keyed by period, long jobs on their own queue."""

import contextlib
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from consultations.tasks import housekeeping, queue
from consultations.tasks.queue import enqueue_on_commit, retry_delay
from tests.consultations.tasks.sample_tasks import (
    always_fails,
    fails_then_succeeds,
    lines,
    long_job,
    write_line,
)

pytestmark = pytest.mark.django_db

HOUSEKEEPING = {
    "consultations.tasks.housekeeping.prune_live_events",
    "consultations.tasks.housekeeping.prune_task_results",
}


def rows(task):
    return list(DBTaskResult.objects.filter(task_path=task.module_path).order_by("enqueued_at"))


# --- Enqueue after commit ---------------------------------------------------------------------


def test_in_process_a_task_runs_after_the_commit_and_never_after_a_rollback(
    tmp_path, django_capture_on_commit_callbacks
):
    trace = str(tmp_path / "trace")
    with django_capture_on_commit_callbacks(execute=True):
        with contextlib.suppress(RuntimeError), transaction.atomic():
            enqueue_on_commit(write_line, trace, "rolled back")
            raise RuntimeError("the action failed")
        with transaction.atomic():
            enqueue_on_commit(write_line, trace, "committed")
        assert lines(trace) == []  # the test's outer transaction has not committed yet
    assert lines(trace) == ["committed"]


def test_on_the_database_queue_the_task_row_commits_or_rolls_back_with_the_action(
    tmp_path, work_off
):
    trace = str(tmp_path / "trace")
    with contextlib.suppress(RuntimeError), transaction.atomic():
        enqueue_on_commit(write_line, trace, "rolled back")
        assert len(rows(write_line)) == 1
        raise RuntimeError("the action failed")
    assert rows(write_line) == []
    with transaction.atomic():
        enqueue_on_commit(write_line, trace, "committed")
    assert [row.status for row in rows(write_line)] == [TaskResultStatus.READY]
    assert work_off() == 1
    assert lines(trace) == ["committed"]


# --- Retries and dead letters -----------------------------------------------------------------


def test_a_failing_task_is_tried_again_until_it_succeeds(tmp_path, work_off):
    trace = str(tmp_path / "trace")
    fails_then_succeeds.enqueue(trace, 2)
    assert work_off() == 3
    assert lines(trace) == ["failed", "failed", "succeeded"]
    attempts = rows(fails_then_succeeds)
    assert [queue.attempt_of(row.args_kwargs["kwargs"]) for row in attempts] == [1, 2, 3]
    assert {row.status for row in attempts} == {TaskResultStatus.SUCCESSFUL}
    assert attempts[0].return_value["retried"] is True
    assert attempts[0].return_value["error"] == "ConnectionError: the mail server is away"
    assert attempts[0].return_value["next_attempt"] == str(attempts[1].id)
    assert attempts[2].return_value == "done"
    assert not queue.dead_letters().exists()


def test_a_task_that_keeps_failing_ends_as_a_dead_letter(tmp_path, work_off):
    trace = str(tmp_path / "trace")
    always_fails.enqueue(trace)
    assert work_off() == 2
    assert lines(trace) == ["failed", "failed"]
    first, last = rows(always_fails)
    assert first.status == TaskResultStatus.SUCCESSFUL and first.return_value["retried"]
    assert last.status == TaskResultStatus.FAILED
    assert last.exception_class_path == "builtins.ValueError"
    assert "this cannot work" in last.traceback
    assert list(queue.dead_letters()) == [last]


def test_retries_wait_longer_each_time_up_to_a_ceiling(settings):
    settings.TASK_RETRY_DELAY_SECONDS = 30
    settings.TASK_RETRY_MAX_DELAY_SECONDS = 100
    for attempt, expected in [(1, 30), (2, 60), (3, 100), (9, 100)]:
        seconds = retry_delay(attempt).total_seconds()
        assert 0.8 * expected <= seconds <= 1.2 * expected


def test_a_retry_waits_in_the_queue_until_its_time(tmp_path, work_off, settings):
    settings.TASK_RETRY_DELAY_SECONDS = 60
    fails_then_succeeds.enqueue(str(tmp_path / "trace"), 1)
    before = timezone.now()
    assert work_off() == 1  # the retry is not ready yet
    retry = rows(fails_then_succeeds)[1]
    assert retry.status == TaskResultStatus.READY
    assert before + timedelta(seconds=47) <= retry.run_after <= before + timedelta(seconds=73)


def test_in_process_retries_run_at_once(tmp_path):
    trace = str(tmp_path / "trace")
    result = fails_then_succeeds.enqueue(trace, 2)
    assert lines(trace) == ["failed", "failed", "succeeded"]
    assert result.status == TaskResultStatus.SUCCESSFUL


def test_attempts_must_be_positive():
    with pytest.raises(ValueError):
        queue.background_task(attempts=0)


# --- Long jobs --------------------------------------------------------------------------------


def test_long_jobs_wait_for_their_own_worker(tmp_path, work_off):
    trace = str(tmp_path / "trace")
    long_job.enqueue(trace, 0)
    write_line.enqueue(trace, "mail")
    assert work_off("default") == 1
    assert lines(trace) == ["mail"]
    assert work_off("long") == 1
    assert lines(trace) == ["mail", "long started", "long finished"]


# --- Periodic work ----------------------------------------------------------------------------


def test_every_periodic_task_is_scheduled_once_for_its_next_period(database_queue):
    assert set(queue.schedule_periodic_tasks()) == HOUSEKEEPING
    assert queue.schedule_periodic_tasks() == []
    call_command("schedule_periodic_tasks")
    queued = DBTaskResult.objects.filter(task_path=queue.run_periodic.module_path)
    assert queued.count() == 2
    now = timezone.now()
    for row in queued:
        schedule = queue.PERIODIC[row.args_kwargs["args"][0]]
        period = row.args_kwargs["args"][1]
        assert schedule.every == timedelta(days=1)
        assert row.id == schedule.key(period)
        assert now < row.run_after == schedule.start_of(period) <= now + timedelta(days=1)


def test_a_periodic_run_does_its_work_and_queues_the_next_period_once(database_queue, work_off):
    path = "consultations.tasks.housekeeping.prune_task_results"
    schedule = queue.PERIODIC[path]
    # Scheduled a day ago: this period's run is due now.
    assert queue.schedule_next(path, now=timezone.now() - timedelta(days=1))
    old = write_line.enqueue("/dev/null", "old")
    DBTaskResult.objects.filter(id=old.id).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now() - timedelta(days=30)
    )
    # The same period enqueued a second time by hand (another id): it must not fork the chain.
    queue.run_periodic.enqueue(path, schedule.period_of(timezone.now()))
    assert work_off() == 2
    assert not DBTaskResult.objects.filter(id=old.id).exists()
    runs = DBTaskResult.objects.filter(task_path=queue.run_periodic.module_path)
    next_period = schedule.period_of(timezone.now()) + 1
    assert [row.id for row in runs.filter(status=TaskResultStatus.READY)] == [
        schedule.key(next_period)
    ]


def test_periodic_work_is_not_scheduled_on_a_backend_that_cannot_wait():
    assert queue.schedule_periodic_tasks() == []
    assert not DBTaskResult.objects.exists()


def test_finished_tasks_are_pruned_after_their_retention(database_queue, settings):
    settings.TASK_RESULTS_KEEP_DAYS = 2
    settings.TASK_FAILED_KEEP_DAYS = 30
    now = timezone.now()
    cases = {
        "old success": (TaskResultStatus.SUCCESSFUL, 3, False),
        "new success": (TaskResultStatus.SUCCESSFUL, 1, True),
        "old failure": (TaskResultStatus.FAILED, 31, False),
        "recent failure": (TaskResultStatus.FAILED, 3, True),
        "waiting": (TaskResultStatus.READY, None, True),
    }
    ids = {}
    for name, (status, age_days, _kept) in cases.items():
        result = write_line.enqueue("/dev/null", name)
        finished = now - timedelta(days=age_days) if age_days else None
        DBTaskResult.objects.filter(id=result.id).update(status=status, finished_at=finished)
        ids[name] = uuid.UUID(result.id)
    assert housekeeping.prune_task_results() == 2
    kept = set(DBTaskResult.objects.values_list("id", flat=True))
    assert {name for name, id_ in ids.items() if id_ in kept} == {
        name for name, case in cases.items() if case[2]
    }
