from unittest import mock

import pytest
from channels.layers import get_channel_layer
from django.db import transaction

from consultations import realtime
from consultations.models import LiveEvent


@pytest.mark.django_db(transaction=True)
def test_broadcast_is_recorded_at_once_and_sent_after_commit():
    sent = []
    with mock.patch.object(realtime, "send_now", lambda group, msg: sent.append((group, msg))):
        with transaction.atomic():
            event = realtime.broadcast_on_commit("consultation.1", "consultation.updated", {"a": 1})
            assert LiveEvent.objects.filter(pk=event.pk).exists()
            assert sent == []
        assert sent == [
            (
                "consultation.1",
                {
                    "type": "live.event",
                    "event": {"id": event.pk, "type": "consultation.updated", "payload": {"a": 1}},
                },
            )
        ]


@pytest.mark.django_db(transaction=True)
def test_rolled_back_write_broadcasts_nothing_and_keeps_no_event():
    sent = []
    with mock.patch.object(realtime, "send_now", lambda group, msg: sent.append(group)):
        with pytest.raises(RuntimeError), transaction.atomic():
            realtime.broadcast_on_commit("consultation.1", "consultation.updated", {})
            raise RuntimeError("the write failed")
    assert sent == []
    assert not LiveEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_broken_channel_layer_never_fails_the_write():
    layer = get_channel_layer()
    with mock.patch.object(layer, "group_send", side_effect=ConnectionError("redis is down")):
        with transaction.atomic():
            realtime.broadcast_on_commit("consultation.2", "consultation.updated", {})
    assert LiveEvent.objects.filter(group="consultation.2").count() == 1


@pytest.mark.parametrize("group", ["", "Consultation.1", "x" * 101, "a b", "ümlaut", "1abc"])
def test_invalid_group_names_are_refused(group):
    with pytest.raises(ValueError):
        realtime.validate_group(group)


@pytest.mark.django_db
def test_catch_up_returns_missed_events_of_the_group_only():
    seen = realtime.current_event_id("consultation.1")
    first = LiveEvent.objects.create(group="consultation.1", type="a", payload={})
    LiveEvent.objects.create(group="consultation.2", type="b", payload={})
    third = LiveEvent.objects.create(group="consultation.1", type="c", payload={})

    missed = realtime.events_since("consultation.1", seen)
    assert [event["id"] for event in missed] == [first.pk, third.pk]
    assert realtime.events_since("consultation.1", third.pk) == []


@pytest.mark.django_db
def test_too_many_missed_events_means_reload():
    seen = realtime.current_event_id("consultation.1")
    for _ in range(5):
        LiveEvent.objects.create(group="consultation.1", type="a", payload={})
    assert realtime.events_since("consultation.1", seen, limit=4) is None
    assert len(realtime.events_since("consultation.1", seen, limit=5)) == 5


def record(group: str, event_type: str = "x") -> LiveEvent:
    with transaction.atomic():
        return realtime.broadcast_on_commit(group, event_type, {})


def age(*events: LiveEvent) -> None:
    from datetime import timedelta

    from django.utils import timezone

    old = timezone.now() - realtime.EVENT_RETENTION - timedelta(minutes=1)
    LiveEvent.objects.filter(pk__in=[event.pk for event in events]).update(created=old)


@pytest.mark.django_db
def test_pruned_history_means_reload():
    old = record("consultation.1", "a")
    pruned = record("consultation.1", "b")
    newest = record("consultation.1", "c")
    age(old, pruned)
    assert realtime.prune_events() == 2
    # The client saw ``old``; ``b`` was pruned, so it cannot catch up exactly.
    assert realtime.events_since("consultation.1", old.pk) is None
    # A client that saw everything up to ``b`` can.
    assert realtime.events_since("consultation.1", pruned.pk) == [newest.as_message()]


@pytest.mark.django_db
def test_positions_are_per_stream():
    mine = record("discussion.1")
    record("discussion.2")
    assert realtime.current_event_id("discussion.1") == mine.pk
    assert realtime.current_event_id("discussion.3") == 0


@pytest.mark.django_db
def test_pruning_a_quiet_stream_keeps_its_position_valid():
    # A page embeds its stream's position; pruning all its events must not make the page's
    # live script reload (and get the same position again) over and over.
    quiet = record("discussion.1")
    busy = record("discussion.2")
    age(quiet, busy)
    realtime.prune_events()
    position = realtime.current_event_id("discussion.1")
    assert position == quiet.pk
    assert realtime.events_since("discussion.1", position) == []
    # Another stream's pruning does not send this one's clients away.
    assert realtime.events_since("discussion.2", busy.pk) == []
    assert realtime.events_since("discussion.2", 0) is None


@pytest.mark.django_db(transaction=True)
def test_events_are_recorded_inside_a_transaction_only():
    # The stream's lock orders its events only while the recording transaction holds it.
    with pytest.raises(transaction.TransactionManagementError):
        realtime.broadcast_on_commit("consultation.1", "consultation.updated", {})
    assert not LiveEvent.objects.exists()


@pytest.mark.django_db
def test_streams_belong_to_their_consultation():
    from tests.factories import make_discussion

    discussion = make_discussion()
    assert realtime.consultation_of(realtime.consultation_group(7)) == 7
    assert realtime.consultation_of(realtime.moderation_group(7)) == 7
    assert (
        realtime.consultation_of(realtime.discussion_group(discussion.pk))
        == discussion.consultation_id
    )
    assert realtime.consultation_of("survey.3") is None


@pytest.mark.django_db
def test_prune_command_deletes_only_old_events():
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    old = LiveEvent.objects.create(group="consultation.1", type="a", payload={})
    LiveEvent.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=2))
    fresh = LiveEvent.objects.create(group="consultation.1", type="b", payload={})
    call_command("prune_live_events")
    assert list(LiveEvent.objects.values_list("pk", flat=True)) == [fresh.pk]


@pytest.mark.django_db(transaction=True)
def test_state_broadcasts_are_coalesced_per_key(settings):
    import threading

    settings.LIVE_COALESCE_SECONDS = 0.2
    sent = []
    state = {"value": 0}

    def build():
        return {"value": state["value"]}

    threads_before = set(threading.enumerate())
    with mock.patch.object(realtime, "send_now", lambda group, msg: sent.append(msg["event"])):
        for value in range(1, 6):
            state["value"] = value
            with transaction.atomic():
                realtime.broadcast_state_coalesced("discussion.1", "x.changed", "k1", build)
        realtime.broadcast_state_coalesced("discussion.1", "x.changed", "k2", build)
        timers = [
            thread
            for thread in set(threading.enumerate()) - threads_before
            if isinstance(thread, threading.Timer)
        ]
        assert len(timers) == 2  # one per key, however many changes
        for timer in timers:
            timer.join(5)
            assert not timer.is_alive()
    # One event per key, carrying the newest state, built after the last change.
    assert sorted(event["payload"]["value"] for event in sent) == [5, 5]
    assert all(event["id"] is None for event in sent)
    assert not LiveEvent.objects.exists()
