"""The participation objects in the Wagtail admin, grouped under "Participation".

They are registered as snippets so pages can choose them (``SnippetChooserBlock`` for the
consultation teaser); access follows the ordinary model permissions (add/change/delete/view),
which the "Editors" group is given by a cms data migration.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from consultations.models import Consultation, ConsultationMembership, District, Topic


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "tag"
    menu_label = _("Topics")
    list_display = ["name", "slug"]
    search_fields = ["name"]
    panels = [FieldPanel("name"), FieldPanel("slug")]


class DistrictViewSet(SnippetViewSet):
    model = District
    icon = "site"
    menu_label = _("Districts")
    list_display = ["name", "slug", "population"]
    search_fields = ["name"]
    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("population")]


class ConsultationViewSet(SnippetViewSet):
    model = Consultation
    icon = "group"
    menu_label = _("Consultations")
    list_display = ["title", "topic", "district", "visibility", "modified"]
    list_filter = ["topic", "district", "visibility"]
    search_fields = ["title", "summary"]
    # A copy would carry the slug but not the phases; editors start new consultations afresh.
    copy_view_enabled = False
    panels = [
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("topic"), FieldPanel("district")]),
        FieldRowPanel([FieldPanel("visibility"), FieldPanel("moderation_mode")]),
        FieldPanel("area"),
        InlinePanel("phases", heading=_("Phases"), label=_("phase"), min_num=1),
        MultiFieldPanel(
            [FieldPanel("results_statement", read_only=True)],
            heading=_("What became of your input"),
            help_text=_("Published with the action “publish results” so followers are told."),
        ),
    ]


class ConsultationMembershipViewSet(SnippetViewSet):
    model = ConsultationMembership
    icon = "user"
    menu_label = _("Consultation roles")
    list_display = ["consultation", "user", "role"]
    list_filter = ["consultation", "role"]
    search_fields = ["user__pseudonym", "user__email", "consultation__title"]
    panels = [FieldPanel("consultation"), FieldPanel("user"), FieldPanel("role")]


class ParticipationViewSetGroup(SnippetViewSetGroup):
    menu_label = _("Participation")
    menu_icon = "group"
    menu_order = 250
    items = (ConsultationViewSet, TopicViewSet, DistrictViewSet, ConsultationMembershipViewSet)


register_snippet(ParticipationViewSetGroup)
