"""Admin addresses of our own views (under /admin/, added by the ``register_admin_urls`` hook)."""

from django.urls import path

from consultations.admin.views import LiftBlockView, PublishResultsView

urlpatterns = [
    path(
        "consultations/<int:pk>/results/",
        PublishResultsView.as_view(),
        name="consultations_publish_results",
    ),
    path("consultations/blocks/<int:pk>/lift/", LiftBlockView.as_view(), name="lift_user_block"),
]
