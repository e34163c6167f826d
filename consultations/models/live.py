from django.db import models


class LiveEvent(models.Model):
    """A pushed event, kept for a while so a reconnecting browser can ask what it missed.

    Written in the same transaction as the change it announces, with its stream's row locked
    (``LiveStream``), so within a group the ids follow the order of the committed changes.
    """

    group = models.CharField(max_length=100, db_index=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    # What the payload is the whole state of (e.g. "comment.12"): a newer state of the same
    # subject replaces the payload of its earlier events (see realtime.broadcast_on_commit).
    subject = models.CharField(max_length=100, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["group", "id"], name="liveevent_group_id"),
            models.Index(
                fields=["group", "subject"],
                name="liveevent_group_subject",
                condition=~models.Q(subject=""),
            ),
        ]

    def __str__(self):
        return f"{self.group} #{self.pk} {self.type}"

    def as_message(self) -> dict:
        return {"id": self.pk, "type": self.type, "payload": self.payload}


class LiveStream(models.Model):
    """A group's stream of events: how far it was pruned, and the row its writers lock.

    PostgreSQL takes an event's id from a sequence when it is inserted, while transactions
    commit in another order. ``realtime.broadcast_on_commit`` locks a stream row before it
    inserts, so within a stream ids are assigned in commit order and a client that saw id N
    misses nothing by asking for "ids above N" (clients keep one position per stream). The row
    of a consultation's own group is locked for every group of that consultation
    (``realtime.ordering_row``), so actions that announce to several never deadlock.
    """

    group = models.CharField(max_length=100, unique=True)
    # The largest id of this stream's events that pruning deleted: a client that saw less
    # than this cannot catch up and reloads.
    pruned_through = models.BigIntegerField(default=0)

    def __str__(self):
        return self.group
