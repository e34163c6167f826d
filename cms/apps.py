from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Website")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms import signals
        from consultations.links import register_consultation_url

        signals.connect()
        register_consultation_url(consultation_page_url)


def consultation_page_url(consultation) -> str | None:
    """The live page presenting a consultation (discussion pages link back to it)."""
    from cms.models import ConsultationPage

    page = ConsultationPage.objects.live().filter(consultation=consultation).first()
    return page.url if page else None
