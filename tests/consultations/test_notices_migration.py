"""Notices written before notices were data still read after the migration (0010, 0011)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from consultations import notices
from consultations.models import Notification

BEFORE = [("consultations", "0009_comment_idempotency")]
AFTER = [("consultations", "0011_notices_drop_text")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_notices_keep_their_text_and_link_and_the_migration_reverses():
    old_apps = migrate(BEFORE)
    try:
        User = old_apps.get_model("consultations", "User")
        OldNotification = old_apps.get_model("consultations", "Notification")
        person = User.objects.create(
            email="alt@example.org", pseudonym="Alt", pseudonym_key="alt", password="!"
        )
        OldNotification.objects.create(
            recipient=person,
            kind="comment_hidden",
            message="Von der Moderation entfernt: Spam oder Werbung – <b>Bitte</b>",
            url="/kommentare/41/",
        )
        OldNotification.objects.create(
            recipient=person, kind="blocked", message="Bis auf Weiteres gesperrt.", url=""
        )
    finally:
        migrate(AFTER)

    hidden, blocked = Notification.objects.filter(recipient__email="alt@example.org").order_by("pk")
    assert hidden.params == {
        "legacy_text": "Von der Moderation entfernt: Spam oder Werbung – <b>Bitte</b>",
        "legacy_url": "/kommentare/41/",
    }
    for language in ("de", "en"):  # written in the moderator's language: it stays so
        notice = notices.render(hidden, language=language)
        assert notice.text == "Von der Moderation entfernt: Spam oder Werbung – <b>Bitte</b>"
        assert "<b>" not in notice.body
        assert notice.url == "/kommentare/41/"
    assert notices.render(hidden, language="de").title == "Ihr Kommentar wurde entfernt"
    assert notices.render(blocked, language="en").title == "you were blocked"
    assert notices.render(blocked).url == ""

    old_apps = migrate(BEFORE)
    try:
        OldNotification = old_apps.get_model("consultations", "Notification")
        assert sorted(OldNotification.objects.values_list("message", "url")) == [
            ("Bis auf Weiteres gesperrt.", ""),
            ("Von der Moderation entfernt: Spam oder Werbung – <b>Bitte</b>", "/kommentare/41/"),
        ]
    finally:
        migrate(AFTER)
