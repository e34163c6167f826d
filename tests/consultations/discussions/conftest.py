from unittest import mock

import pytest

from consultations import realtime
from tests.factories import make_discussion, make_user


@pytest.fixture
def sent():
    """Events handed to the channel layer, as (group, event) pairs.

    Tests run inside a transaction that never commits, so on-commit callbacks run at once here;
    that they wait for the commit is tested in tests/consultations/test_realtime.py.
    """
    events = []
    with (
        mock.patch.object(
            realtime, "send_now", lambda group, message: events.append((group, message["event"]))
        ),
        mock.patch.object(
            realtime.transaction, "on_commit", lambda callback, *args, **kwargs: callback()
        ),
    ):
        yield events


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
