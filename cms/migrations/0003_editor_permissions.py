"""Give Wagtail's "Editors" group what communication staff need.

- add/change/delete/view for the participation objects they manage in the admin (topics,
  districts, consultations with their phases, consultation roles);
- "publish" on the root of the page tree, so editors can publish and schedule pages
  themselves (Wagtail's default gives them add and edit only).

Permissions of the consultations app do not exist yet on a fresh database (Django creates
them after all migrations ran), so they are created here the way Django would.
"""

from django.db import migrations

GROUP = "Editors"
MODELS = {
    "topic": "topic",
    "district": "district",
    "consultation": "consultation",
    "phase": "phase",
    "consultationmembership": "consultation role",
}
ACTIONS = ("add", "change", "delete", "view")


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")

    editors, _ = Group.objects.get_or_create(name=GROUP)
    for model, verbose_name in MODELS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label="consultations", model=model)
        for action in ACTIONS:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {verbose_name}"},
            )
            editors.permissions.add(permission)

    page_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="page")
    publish, _ = Permission.objects.get_or_create(
        content_type=page_type, codename="publish_page", defaults={"name": "Publish any page"}
    )
    for root in Page.objects.filter(depth=1):
        GroupPagePermission.objects.get_or_create(group=editors, page=root, permission=publish)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    editors = Group.objects.filter(name=GROUP).first()
    if editors is None:
        return
    editors.permissions.remove(
        *editors.permissions.filter(
            content_type__app_label="consultations", content_type__model__in=list(MODELS)
        )
    )
    GroupPagePermission.objects.filter(
        group=editors, page__depth=1, permission__codename="publish_page"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_pages"),
        ("consultations", "0002_role_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
