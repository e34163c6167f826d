"""The participation admin asks the named rules, not model permissions: take them away.

Who may list, add, change, delete or view topics, districts, consultations, roles,
discussions, the word list, blocks and moderation decisions in the Wagtail admin is decided
by ``consultations/rules.py`` (``consultations/admin/permissions.py``), and ``User.has_perm``
answers every ``consultations.`` name from the rules alone. The model permissions of the
consultations app that 0003 and 0005 gave the "Editors" and "Site moderators" groups (and
any a person or group was given by hand) are no longer read; left in place they would only
mislead whoever reads the groups. Removed here from every group and person.

Kept: the permissions on accounts (``consultations.add_user``, ...: the User model lives in
this app, and Wagtail's account admin asks them), ``wagtailadmin.access_admin`` (site
moderators reach the admin through it), the page permissions (editors publish anywhere) and
every other app's permissions.

Reversing gives back what 0003 and 0005 granted (grants made by hand are not restored).
"""

from django.db import migrations

APP_LABEL = "consultations"

# What 0003_editor_permissions and 0005_moderation_admin_permissions granted.
GRANTED = {
    "Editors": {
        ("topic", "topic"): ("add", "change", "delete", "view"),
        ("district", "district"): ("add", "change", "delete", "view"),
        ("consultation", "consultation"): ("add", "change", "delete", "view"),
        ("phase", "phase"): ("add", "change", "delete", "view"),
        ("consultationmembership", "consultation role"): ("add", "change", "delete", "view"),
        ("discussion", "discussion"): ("add", "change", "delete", "view"),
    },
    "Site moderators": {
        ("discussion", "discussion"): ("view",),
        ("blockedword", "blocked word"): ("add", "change", "delete", "view"),
        ("userblock", "block"): ("view",),
        ("moderationdecision", "moderation decision"): ("view",),
    },
}


def remove(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("consultations", "User")
    Permission = apps.get_model("auth", "Permission")
    ours = Permission.objects.filter(content_type__app_label=APP_LABEL).exclude(
        content_type__model="user"
    )
    Group.permissions.through.objects.filter(permission__in=ours).delete()
    User.user_permissions.through.objects.filter(permission__in=ours).delete()


def restore(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for name, grants in GRANTED.items():
        group, _ = Group.objects.get_or_create(name=name)
        for (model, verbose_name), actions in grants.items():
            content_type, _ = ContentType.objects.get_or_create(app_label=APP_LABEL, model=model)
            for action in actions:
                permission, _ = Permission.objects.get_or_create(
                    content_type=content_type,
                    codename=f"{action}_{model}",
                    defaults={"name": f"Can {action} {verbose_name}"},
                )
                group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0007_accessibility_statement_page"),
        ("cms", "0005_moderation_admin_permissions"),
        ("consultations", "0011_notices_drop_text"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(remove, restore)]
