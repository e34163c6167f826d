import logging

from django.db import migrations, models

import consultations.pseudonyms

logger = logging.getLogger("consultations")


def fill_pseudonym_keys(apps, schema_editor):
    """Give every account its look-alike key.

    Accounts that already share a key (look-alike names from before this check) keep their
    names: the oldest keeps the plain key, later ones get the key plus "#<id>", so the unique
    constraint can be created. They are logged so an administrator can rename them.
    """
    User = apps.get_model("consultations", "User")
    seen = set()
    for user in User.objects.order_by("pk").only("pk", "pseudonym").iterator():
        key = consultations.pseudonyms.key(user.pseudonym)
        if key in seen:
            logger.warning(
                "Account %s has a public name confusable with an older account's; "
                "consider renaming it.",
                user.pk,
            )
            key = f"{key}#{user.pk}"
        seen.add(key)
        User.objects.filter(pk=user.pk).update(pseudonym_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("consultations", "0004_live_event_subject"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="pseudonym_key",
            field=models.CharField(default="", editable=False, max_length=200),
        ),
        migrations.RunPython(fill_pseudonym_keys, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="user",
            name="user_pseudonym_unique_ci",
        ),
        migrations.AlterField(
            model_name="user",
            name="pseudonym",
            field=models.CharField(
                help_text="Shown next to your contributions instead of your real name.",
                max_length=40,
                validators=[consultations.pseudonyms.validate_pseudonym_field],
                verbose_name="public name",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="signup_next",
            field=models.CharField(blank=True, default="", editable=False, max_length=500),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                fields=("pseudonym_key",), name="user_pseudonym_key_unique"
            ),
        ),
    ]
