from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Website")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms import signals
        from consultations.links import register_consultation_url
        from consultations.site_identity import register_site_names

        signals.connect()
        register_consultation_url(consultation_page_url)
        register_site_names(town_names)


def consultation_page_url(consultation) -> str | None:
    """The live page presenting a consultation (discussion pages link back to it)."""
    from cms.models import ConsultationPage

    page = ConsultationPage.objects.live().filter(consultation=consultation).first()
    return page.url if page else None


def town_names():
    """The town's name from the site settings: nobody may call themselves that."""
    from cms.models import SiteSettings

    return SiteSettings.objects.exclude(town_name="").values_list("town_name", flat=True)
