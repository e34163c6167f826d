"""Council organisers get into the Wagtail admin, where they set up their councils.

What they may do there is the rules' (``consultations.add_council`` and the per-council
``change_``/``delete_council``); this grants only ``wagtailadmin.access_admin``.
"""

from django.db import migrations

GROUP = "Council organisers"


def _access_admin(apps):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    # By id: backwards, the historical Permission and ContentType may come from different
    # app registries.
    permission, _ = Permission.objects.get_or_create(
        content_type_id=content_type.pk,
        codename="access_admin",
        defaults={"name": "Can access Wagtail admin"},
    )
    return permission


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(_access_admin(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(_access_admin(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0012_council_block"),
        ("consultations", "0015_councils"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
