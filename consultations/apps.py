from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Participation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Participation modules register themselves with the module contract.
        from consultations.modules import councils, discussions, polls, surveys  # noqa: F401

        # Wagtail reads the user viewset from its app config when the admin URLs are built.
        # Pointing it at ours here (rather than swapping "wagtail.users" in INSTALLED_APPS
        # for a subclass) keeps the change inside this app; see consultations/admin_users.py.
        apps.get_app_config(
            "wagtailusers"
        ).user_viewset = "consultations.admin_users.AccountViewSet"
