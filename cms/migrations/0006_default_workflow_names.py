"""Give Wagtail's default approval workflow a German name that reads well in the publish menu.

Wagtail's migrations name the workflow and its task after the group that approves ("Moderators
approval"), so the menu offered "In Moderators approval einreichen". Names an editor has
changed are left alone. Wagtail's "Moderators" group itself keeps its name: Wagtail's own data
migrations (images, documents, page locking) find it by that name.
"""

from django.db import migrations

WAGTAIL_NAME = "Moderators approval"
WORKFLOW_NAME = "Freigabe durch die Redaktion"
TASK_NAME = "Prüfung durch die Redaktion"


def _rename(apps, old_workflow, new_workflow, old_task, new_task):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    Workflow.objects.filter(name=old_workflow).update(name=new_workflow)
    Task.objects.filter(name=old_task).update(name=new_task)


def rename(apps, schema_editor):
    _rename(apps, WAGTAIL_NAME, WORKFLOW_NAME, WAGTAIL_NAME, TASK_NAME)


def restore(apps, schema_editor):
    _rename(apps, WORKFLOW_NAME, WAGTAIL_NAME, TASK_NAME, WAGTAIL_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0005_moderation_admin_permissions"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [migrations.RunPython(rename, restore)]
