"""Notices become data: kind, target and parameters; people get a preferred language.

Notices written before keep their text (in the language of the moderator who wrote it) and
their link as ``legacy_text`` / ``legacy_url`` parameters, which ``consultations.notices``
renders as they read before. 0011 then drops the text columns (a separate migration: on
PostgreSQL a table cannot be altered in the transaction that just updated its rows while its
deferred foreign-key checks are pending).
"""

import django.db.models.deletion
from django.db import migrations, models


def keep_old_text(apps, schema_editor):
    Notification = apps.get_model("consultations", "Notification")
    batch = []
    for notification in Notification.objects.only("pk", "message", "url", "params").iterator():
        notification.params = {"legacy_text": notification.message, "legacy_url": notification.url}
        batch.append(notification)
        if len(batch) >= 500:
            Notification.objects.bulk_update(batch, ["params"])
            batch = []
    Notification.objects.bulk_update(batch, ["params"])


def restore_old_text(apps, schema_editor):
    Notification = apps.get_model("consultations", "Notification")
    for notification in Notification.objects.iterator():
        params = notification.params or {}
        if "legacy_text" in params:
            notification.message = params.get("legacy_text") or ""
            notification.url = params.get("legacy_url") or ""
            notification.save(update_fields=["message", "url"])


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0009_comment_idempotency"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="preferred_language",
            field=models.CharField(
                blank=True, default="", max_length=10, verbose_name="preferred language"
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(max_length=50),
        ),
        migrations.AddField(
            model_name="notification",
            name="target_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="target_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("read_at__isnull", True)),
                fields=["recipient"],
                name="notification_unread",
            ),
        ),
        migrations.RunPython(keep_old_text, restore_old_text),
    ]
