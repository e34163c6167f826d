"""End to end: ``make run``'s launcher with real ``db_worker`` processes on a real database
(SQLite file, or PostgreSQL when DATABASE_URL points there), in the production environment the
deployment tests use (tests/deployment/harness.py)."""

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.consultations.tasks.sample_tasks import lines
from tests.deployment import harness

ENQUEUE = """
import contextlib, time
from django.db import transaction
from consultations.tasks import enqueue_on_commit
from tests.consultations.tasks.sample_tasks import (
    always_fails, fails_then_succeeds, long_job, write_line,
)
traces = {traces!r}
with contextlib.suppress(RuntimeError), transaction.atomic():
    enqueue_on_commit(write_line, traces["commit"], "rolled back")
    time.sleep(2)  # the workers poll meanwhile
    raise RuntimeError("the action failed")
with transaction.atomic():
    enqueue_on_commit(write_line, traces["commit"], "committed")
fails_then_succeeds.enqueue(traces["flaky"], 2)
always_fails.enqueue(traces["doomed"])
# First in line for any worker that would take both queues.
long_job.using(priority=50).enqueue(traces["order"], 4)
write_line.using(priority=10).enqueue(traces["order"], "mail")
"""

REPORT = """
import json
from django_tasks_db.models import DBTaskResult
from consultations.tasks import queue
report = {}
for row in DBTaskResult.objects.order_by("enqueued_at"):
    report.setdefault(row.task_path.rsplit(".", 1)[-1], []).append(
        [row.status, queue.attempt_of(row.args_kwargs["kwargs"]), row.exception_class_path,
         row.queue_name, str(row.run_after)[:4]]
    )
print(json.dumps(report))
"""


def wait_for(condition, *, timeout: float, what: str, launcher) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if launcher.poll() is not None:
            raise AssertionError(f"the launcher ended ({launcher.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """The production environment on a migrated database of its own."""
    workdir = tmp_path_factory.mktemp("tasks-site")
    database = harness.Database.create("tasks", workdir)
    try:
        env = harness.production_environment(
            database_url=database.url,
            static_root=workdir / "static",
            media_root=workdir / "media",
            extra={"TASK_RETRY_DELAY_SECONDS": "0.5", "TASKS_BACKEND": "database"},
        )
        harness.manage("migrate", "--noinput", "-v0", "--skip-checks", env=env)
        yield env
    finally:
        database.drop()


def processes_with(*parts: str) -> list[str]:
    """Command lines of running processes that contain every one of ``parts``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if all(part in command for part in parts):
            found.append(command)
    return found


def test_when_one_process_ends_the_launcher_stops_the_others_with_its_exit_code(env):
    server = [harness.PYTHON, "-c", "import time; time.sleep(2); raise SystemExit(3)"]
    launcher = subprocess.Popen(
        [harness.PYTHON, "scripts/run_with_workers.py", "--", *server],
        cwd=harness.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # The workers are named after the launcher's process id.
    workers = ("db_worker", f"-{launcher.pid}-")
    output, _ = launcher.communicate(timeout=60)
    assert launcher.returncode == 3, output
    assert "ended (3): stopping" in output
    assert processes_with(*workers) == []


def test_real_workers_run_committed_tasks_retry_failures_and_keep_long_jobs_apart(env, tmp_path):
    traces = {name: str(tmp_path / name) for name in ("commit", "flaky", "doomed", "order")}
    log = open(tmp_path / "launcher.log", "wb")  # noqa: SIM115
    launcher = subprocess.Popen(
        [harness.PYTHON, "scripts/run_with_workers.py", "--queues", "default,long"],
        cwd=harness.ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        harness.shell(ENQUEUE.format(traces=traces), env=env)
        wait_for(
            lambda: (
                "long finished" in lines(traces["order"])
                and len(lines(traces["flaky"])) == 3
                and len(lines(traces["doomed"])) == 2
                and lines(traces["commit"])
            ),
            timeout=90,
            what="finished tasks",
            launcher=launcher,
        )
        time.sleep(1)  # the last results are written after the tasks' own traces
        report = json.loads(harness.shell(REPORT, env=env).strip().splitlines()[-1])
    finally:
        launcher.send_signal(signal.SIGINT)
        try:
            code = launcher.wait(timeout=20)
        finally:
            log.close()
            if launcher.poll() is None:
                launcher.kill()
    output = (tmp_path / "launcher.log").read_text(errors="replace")
    assert code == 0, output[-4000:]

    # Enqueued in a transaction that rolled back while the workers polled: never ran.
    assert lines(traces["commit"]) == ["committed"]
    assert report["write_line"][0][:2] == ["SUCCESSFUL", 1]
    assert len(report["write_line"]) == 2  # "committed" and "mail"
    # Failed twice, tried again after a pause, then succeeded.
    assert lines(traces["flaky"]) == ["failed", "failed", "succeeded"]
    assert [row[:2] for row in report["fails_then_succeeds"]] == [
        ["SUCCESSFUL", 1],
        ["SUCCESSFUL", 2],
        ["SUCCESSFUL", 3],
    ]
    # Failed on every attempt: a dead letter.
    assert [row[:3] for row in report["always_fails"]] == [
        ["SUCCESSFUL", 1, ""],
        ["FAILED", 2, "builtins.ValueError"],
    ]
    # The mail-like task did not wait for the long job on the other queue.
    order = lines(traces["order"])
    assert order.index("mail") < order.index("long finished"), order
    assert report["long_job"][0][3] == "long"
    # The launcher queued the next run of each periodic task (tomorrow, not 9999).
    periodic = report["run_periodic"]
    assert [row[0] for row in periodic] == ["READY", "READY"]
    assert all(row[4] != "9999" for row in periodic)
