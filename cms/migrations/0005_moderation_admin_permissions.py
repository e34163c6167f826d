"""Admin permissions for discussions and moderation.

- Editors (communication staff, who set consultations up) add, change, delete and view
  discussions.
- Site moderators get into the Wagtail admin for the moderation tools there: they keep the
  word list (add/change/delete/view), and view discussions, blocks (lifting goes through the
  ``lift_block`` action, which checks who may) and the moderation decisions (the audit trail).

Admins (superusers) have everything anyway. Permissions of the consultations app may not
exist yet on a fresh database, so they are created here the way Django would.
"""

from django.db import migrations

GRANTS = {
    "Editors": {
        ("consultations", "discussion", "discussion"): ("add", "change", "delete", "view"),
    },
    "Site moderators": {
        ("wagtailadmin", "admin", "admin"): ("access",),
        ("consultations", "discussion", "discussion"): ("view",),
        ("consultations", "blockedword", "blocked word"): ("add", "change", "delete", "view"),
        ("consultations", "userblock", "block"): ("view",),
        ("consultations", "moderationdecision", "moderation decision"): ("view",),
    },
}


def _permissions(apps, group_grants):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for (app_label, model, verbose_name), actions in group_grants.items():
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        for action in actions:
            if model == "admin":
                codename, name = "access_admin", "Can access Wagtail admin"
            else:
                codename, name = f"{action}_{model}", f"Can {action} {verbose_name}"
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
            yield permission


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, group_grants in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(apps, group_grants))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, group_grants in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, group_grants))


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0004_consultation_discussion_block"),
        ("cms", "0003_editor_permissions"),
        ("consultations", "0003_discussions_moderation"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
