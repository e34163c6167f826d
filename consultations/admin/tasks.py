"""Staff see the dead letters of the task queue: tasks nothing will try again (README,
"Background tasks"). Read-only: what a task was given (an e-mail with sign-in links, say) is
not shown, only what ran, where and how it failed.

Registered from the admin hooks with ``register_admin_viewset`` (see ``failed_tasks_viewset``).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import ModelPermissionPolicy, register_permission_policy

from consultations.tasks import queue


class FailedTaskPermissionPolicy(ModelPermissionPolicy):
    """Viewing needs ``django_tasks_database.view_dbtaskresult`` (superusers have it; a
    group can be given it); nobody adds, changes or deletes queue rows here."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(["view"])


# Registered when this module is imported, before any viewset asks for the policy.
register_permission_policy(DBTaskResult, FailedTaskPermissionPolicy(DBTaskResult))


def attempt(result: DBTaskResult) -> int:
    return queue.attempt_of(result.args_kwargs.get("kwargs"))


def error(result: DBTaskResult) -> str:
    return result.exception_class_path.rsplit(".", 1)[-1] or "–"


class FailedTaskIndexView(IndexView):
    page_title = _("Failed tasks")

    def get_base_queryset(self):
        return queue.dead_letters()

    @cached_property
    def columns(self):
        """The task's name links to the inspect view (with the traceback)."""
        columns = list(super().columns)
        index = 1  # after the bulk-action checkboxes
        first = columns[index]
        columns[index] = self._get_title_column_class(TitleColumn)(
            first.name, label=first.label, accessor=first.accessor, get_url=self.get_inspect_url
        )
        return columns


class FailedTaskViewSet(ModelViewSet):
    """Failed tasks, newest first, each with its traceback."""

    model = DBTaskResult
    name = "failed_tasks"
    icon = "warning"
    menu_label = _("Failed tasks")
    menu_order = 900
    add_to_admin_menu = True
    # The reference index would enqueue a task for every save of a queue row: endless work.
    add_to_reference_index = False
    copy_view_enabled = False
    index_view_class = FailedTaskIndexView
    list_display = [
        Column("task_name", label=_("Task")),
        Column("queue_name", label=_("Queue")),
        Column("attempt", label=_("Attempts"), accessor=attempt),
        Column("error", label=_("Error"), accessor=error),
        DateColumn("finished_at", label=_("Given up")),
    ]
    list_filter = ["queue_name"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "task_path",
        "status",
        "queue_name",
        "priority",
        "enqueued_at",
        "started_at",
        "finished_at",
        "worker_ids",
        "exception_class_path",
        "traceback",
    ]
    # Never shown: the policy allows no adding or editing.
    form_fields = ["status"]


failed_tasks_viewset = FailedTaskViewSet()
