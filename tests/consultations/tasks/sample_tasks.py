"""Tasks for the tests: each leaves its traces in a file, which the test process and a worker
process can both read."""

import time
from pathlib import Path

from django.core.mail.backends.locmem import EmailBackend

from consultations.tasks import LONG, background_task


def lines(path) -> list[str]:
    path = Path(path)
    return path.read_text().splitlines() if path.exists() else []


def _append(path, text: str) -> None:
    with open(path, "a") as file:
        file.write(text + "\n")


@background_task
def write_line(path: str, text: str) -> str:
    _append(path, text)
    return text


@background_task(attempts=3)
def fails_then_succeeds(path: str, failures: int) -> str:
    """Fails ``failures`` times (counted in the file), then succeeds."""
    if len(lines(path)) < failures:
        _append(path, "failed")
        raise ConnectionError("the mail server is away")
    _append(path, "succeeded")
    return "done"


@background_task(attempts=2)
def always_fails(path: str) -> None:
    _append(path, "failed")
    raise ValueError("this cannot work")


@background_task(queue_name=LONG)
def long_job(path: str, seconds: float) -> None:
    _append(path, "long started")
    time.sleep(seconds)
    _append(path, "long finished")


class RefusingEmailBackend(EmailBackend):
    """The local-memory backend behind a mail server that refuses the first ``refusals``."""

    refusals = 0

    def send_messages(self, messages):
        if RefusingEmailBackend.refusals > 0:
            RefusingEmailBackend.refusals -= 1
            raise ConnectionRefusedError("mail server refused")
        return super().send_messages(messages)
