from unittest import mock

import pytest
from django.db import connection

from consultations import realtime
from tests.factories import make_discussion, make_user


class SentEvents:
    """Events handed to the channel layer, as (group, event) pairs, as of the moment it is read.

    A test runs inside a transaction that never commits. Reading this list counts as the
    commit of everything the test did so far: on-commit callbacks registered since the last
    read run then (``django_capture_on_commit_callbacks``), in order, and only those whose
    transaction was not rolled back: a failed action's broadcasts never show up. Read it only
    outside the actions' ``atomic()`` blocks, like a commit.
    """

    def __init__(self, capture):
        self._capture = capture
        self._events: list[tuple[str, dict]] = []
        self._depth = len(connection.atomic_blocks)
        self._open = capture(execute=True)
        self._open.__enter__()

    def record(self, group: str, message: dict) -> None:
        self._events.append((group, message["event"]))

    def commit(self) -> list[tuple[str, dict]]:
        if len(connection.atomic_blocks) != self._depth:
            raise AssertionError("read `sent` after the transaction, as a commit would")
        self._open.__exit__(None, None, None)
        self._open = self._capture(execute=True)
        self._open.__enter__()
        return self._events

    def close(self) -> None:
        self._open.__exit__(None, None, None)

    def __iter__(self):
        return iter(self.commit())

    def __len__(self):
        return len(self.commit())

    def __getitem__(self, index):
        return self.commit()[index]

    def __eq__(self, other):
        return self.commit() == other

    __hash__ = None

    def __repr__(self):
        return repr(self.commit())


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Events handed to the channel layer (see ``SentEvents``); the channel layer itself is
    tested in tests/consultations/test_realtime.py and test_consumers.py."""
    events = SentEvents(django_capture_on_commit_callbacks)
    with mock.patch.object(realtime, "send_now", events.record):
        yield events
        events.close()


@pytest.fixture
def discussion():
    return make_discussion()


@pytest.fixture
def resident():
    return make_user(pseudonym="Anna")


@pytest.fixture
def neighbour():
    return make_user(pseudonym="Ben")


@pytest.fixture
def moderator():
    return make_user(pseudonym="Kim_Moderatorin", groups=("Site moderators",))
