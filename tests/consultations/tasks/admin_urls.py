"""The site's URLs plus the failed-tasks viewset, as the admin hooks will register it."""

from django.urls import include, path

from consultations.task_admin import failed_tasks_viewset
from participation.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path(
        f"admin/{failed_tasks_viewset.url_prefix}/",
        include(
            (failed_tasks_viewset.get_urlpatterns(), failed_tasks_viewset.url_namespace),
            namespace=failed_tasks_viewset.url_namespace,
        ),
    ),
    *site_urlpatterns,
]
