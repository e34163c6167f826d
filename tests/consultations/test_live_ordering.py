"""Catch-up after a reconnect never skips an event, whatever order transactions commit in.

PostgreSQL assigns an event's id when it is inserted, but transactions commit in another order.
Two writers, two connections: A records its event and keeps its transaction open; B records an
event and commits; a page is rendered (embedding the position its live script catches up from);
then A commits. The page's socket must still be sent A's event.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from consultations import realtime

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 10


class Writer(threading.Thread):
    """Records one event per group in its own connection. With ``hold_open`` it stops after the
    first event until ``go`` is set, then records the rest and commits."""

    def __init__(self, *groups: str, hold_open: bool):
        super().__init__(daemon=True)
        self.groups = groups
        self.go = threading.Event()
        self.recorded = threading.Event()
        self.backend_pid: int | None = None
        self.pid_known = threading.Event()
        self.event_ids: list[int] = []
        self.error: BaseException | None = None
        if not hold_open:
            self.go.set()

    @property
    def event_id(self) -> int:
        return self.event_ids[0]

    def run(self):
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    self.backend_pid = cursor.fetchone()[0]
                self.pid_known.set()
                for index, group in enumerate(self.groups):
                    event = realtime.broadcast_on_commit(group, "test.happened", {})
                    self.event_ids.append(event.pk)
                    if index == 0:
                        self.recorded.set()
                        if not self.go.wait(WAIT_SECONDS):
                            raise TimeoutError("never told to go on")
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error
        finally:
            self.pid_known.set()
            self.recorded.set()
            connection.close()


def wait_until_done_or_blocked(writer: Writer) -> None:
    """Until ``writer`` has committed, or PostgreSQL says it waits for a lock (A's)."""
    assert writer.pid_known.wait(WAIT_SECONDS)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        writer.join(0.01)
        if not writer.is_alive():
            return
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [writer.backend_pid]
            )
            row = cursor.fetchone()
        if row and row[0] == "Lock":
            return
    raise AssertionError("the second writer neither committed nor waited for a lock")


@pytest.mark.parametrize(
    "group_b",
    ["discussion.1", "discussion.2"],
    ids=["same stream", "another stream"],
)
def test_catch_up_from_a_page_rendered_between_two_commits_misses_nothing(group_b):
    group_a = "discussion.1"
    writer_a = Writer(group_a, hold_open=True)
    writer_a.start()
    assert writer_a.recorded.wait(WAIT_SECONDS)
    assert writer_a.error is None, writer_a.error

    writer_b = Writer(group_b, hold_open=False)
    writer_b.start()
    wait_until_done_or_blocked(writer_b)

    # A page of stream A is rendered now: the position its live script will catch up from.
    position = realtime.current_event_id(group_a)

    writer_a.go.set()
    writer_a.join(WAIT_SECONDS)
    writer_b.join(WAIT_SECONDS)
    assert not writer_a.is_alive() and not writer_b.is_alive()
    assert writer_a.error is None and writer_b.error is None, (writer_a.error, writer_b.error)

    caught_up = [event["id"] for event in realtime.events_since(group_a, position)]
    expected = [writer_a.event_id] + ([writer_b.event_id] if group_b == group_a else [])
    assert caught_up == expected
    # Within a stream, ids follow the commit order: a later commit never has a smaller id.
    if group_b == group_a:
        assert writer_a.event_id < writer_b.event_id


def test_actions_announcing_to_a_discussion_and_its_moderators_in_either_order_never_deadlock():
    # Editing a comment announces to the moderators, then to the discussion; a report that
    # hides another comment of the same discussion announces in the other order.
    from tests.factories import make_discussion

    discussion = make_discussion()
    thread = realtime.discussion_group(discussion.pk)
    moderators = realtime.moderation_group(discussion.consultation_id)

    writer_a = Writer(moderators, thread, hold_open=True)
    writer_a.start()
    assert writer_a.recorded.wait(WAIT_SECONDS)
    writer_b = Writer(thread, moderators, hold_open=False)
    writer_b.start()
    wait_until_done_or_blocked(writer_b)
    writer_a.go.set()
    writer_a.join(WAIT_SECONDS)
    writer_b.join(WAIT_SECONDS)

    assert writer_a.error is None and writer_b.error is None, (writer_a.error, writer_b.error)
    assert len(writer_a.event_ids) == len(writer_b.event_ids) == 2
    # B waited for A's commit: all of A's events come first in both streams.
    assert max(writer_a.event_ids) < min(writer_b.event_ids)
