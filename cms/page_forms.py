"""Admin forms and panels of the page models (imported by ``cms.models``, so they import no
page model)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel

from cms.widgets import GermanSlugInput


def german_slug_panels() -> list:
    """Wagtail's promote panels with the German slug widget."""
    return [
        MultiFieldPanel(
            [
                FieldPanel("slug", widget=GermanSlugInput()),
                FieldPanel("seo_title"),
                FieldPanel("search_description"),
            ],
            _("For search engines"),
        ),
        MultiFieldPanel([FieldPanel("show_in_menus")], _("For site menus")),
    ]


class ConsultationPageForm(WagtailAdminPageForm):
    """A consultation page has no title of its own: it takes its consultation's (and, when
    the slug is left empty, its slug), so title and introduction are kept in one place."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = _("Leave empty to use the consultation's slug.")

    def clean(self):
        cleaned = super().clean()
        consultation = cleaned.get("consultation")
        if consultation is not None:
            self.instance.title = consultation.title
            if not cleaned.get("slug") and "slug" in self.fields:
                cleaned["slug"] = consultation.slug
                self.instance.slug = consultation.slug
        return cleaned
