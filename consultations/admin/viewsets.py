"""The listings and edit forms of the participation objects, grouped under "Participation"."""

from django import forms
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from consultations.actions.consultations import create_discussion
from consultations.admin.base import (
    ParticipationViewSet,
    SavedThroughActionChooserCreateView,
    VisibleChooserViewSet,
)
from consultations.admin.choosers import person_chooser_viewset
from consultations.admin.columns import block_scope, block_state, block_until, decision_comment
from consultations.admin.councils import CouncilViewSet
from consultations.admin.filters import ModerationDecisionFilterSet, UserBlockFilterSet
from consultations.admin.forms import DiscussionForm
from consultations.admin.polls import QuickPollViewSet
from consultations.admin.surveys import SurveyViewSet
from consultations.admin.views import (
    BlockedWordCreateView,
    BlockedWordEditView,
    ConsultationCreateView,
    ConsultationEditView,
    DiscussionCreateView,
    DiscussionEditView,
    DistrictCreateView,
    DistrictEditView,
    MembershipCreateView,
    MembershipEditView,
    RecordIndexView,
    TopicCreateView,
    TopicEditView,
)
from consultations.models import (
    BlockedWord,
    Consultation,
    ConsultationMembership,
    Discussion,
    District,
    ModerationDecision,
    Topic,
    UserBlock,
)


class TopicViewSet(ParticipationViewSet):
    model = Topic
    icon = "tag"
    menu_label = _("Topics")
    list_display = ["name", "slug"]
    search_fields = ["name"]
    add_view_class = TopicCreateView
    edit_view_class = TopicEditView
    panels = [FieldPanel("name"), FieldPanel("slug")]


class DistrictViewSet(ParticipationViewSet):
    model = District
    icon = "site"
    menu_label = _("Districts")
    list_display = ["name", "slug", "population"]
    search_fields = ["name"]
    add_view_class = DistrictCreateView
    edit_view_class = DistrictEditView
    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("population")]


class ConsultationViewSet(ParticipationViewSet):
    model = Consultation
    icon = "group"
    menu_label = _("Consultations")
    list_display = ["title", "topic", "district", "visibility", "modified"]
    list_filter = ["topic", "district", "visibility"]
    search_fields = ["title", "summary"]
    # A copy would carry the slug but not the phases; editors start new consultations afresh.
    copy_view_enabled = False
    # Saved through create_consultation / change_consultation (one action with the phases).
    add_view_class = ConsultationCreateView
    edit_view_class = ConsultationEditView
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
            help_text=_(
                "Use “Publish results” in the list of consultations. The statement then "
                "appears on the consultation page, straight away also for people who have the "
                "page open. Nobody is notified by e-mail yet."
            ),
        ),
    ]


class ConsultationMembershipViewSet(ParticipationViewSet):
    model = ConsultationMembership
    icon = "user"
    menu_label = _("Consultation roles")
    list_display = ["consultation", "user", "role"]
    list_filter = ["consultation", "role"]
    search_fields = ["user__pseudonym", "user__email", "consultation__title"]
    add_view_class = MembershipCreateView
    edit_view_class = MembershipEditView
    panels = [
        FieldPanel("consultation"),
        FieldPanel("user", widget=person_chooser_viewset.widget_class),
        FieldPanel("role"),
    ]


class DiscussionChooserCreationForm(forms.ModelForm):
    """A new discussion from the page editor's chooser: the few fields it needs (phases and
    the report threshold can be set later under Participation › Discussions)."""

    class Meta:
        model = Discussion
        fields = ["consultation", "title", "description"]


class DiscussionChooserCreateView(SavedThroughActionChooserCreateView):
    def save_through_action(self, form):
        data = form.cleaned_data
        return create_discussion(
            editor=self.request.user,
            consultation=data["consultation"],
            title=data["title"],
            description=data.get("description") or "",
        )


class DiscussionChooserViewSet(VisibleChooserViewSet):
    """Choosing a discussion for a page block, or creating one there and then."""

    creation_form_class = DiscussionChooserCreationForm
    create_view_class = DiscussionChooserCreateView
    create_action_label = _("Create a discussion")


class DiscussionViewSet(ParticipationViewSet):
    """Discussions are created here and placed on their consultation's page with a block."""

    model = Discussion
    icon = "comment"
    menu_label = _("Discussions")
    list_display = [
        "title",
        "consultation",
        Column("comment_count", label=_("Comments")),
        "auto_hide_after_reports",
    ]
    list_filter = ["consultation"]
    search_fields = ["title", "description"]
    copy_view_enabled = False
    chooser_viewset_class = DiscussionChooserViewSet
    add_view_class = DiscussionCreateView
    edit_view_class = DiscussionEditView
    edit_handler = ObjectList(
        [
            FieldPanel("consultation"),
            FieldPanel("title"),
            FieldPanel("description"),
            FieldPanel("open_in_phases", widget=forms.CheckboxSelectMultiple),
            FieldPanel("auto_hide_after_reports"),
        ],
        base_form_class=DiscussionForm,
    )

    def get_queryset(self, request):
        return Discussion.objects.select_related("consultation").annotate(
            comment_count=Count("comments")
        )


class BlockedWordViewSet(ParticipationViewSet):
    """Comments containing one of these words or phrases wait in the moderation queue."""

    model = BlockedWord
    icon = "warning"
    menu_label = _("Word list")
    list_display = ["phrase", DateColumn("created", label=_("Added"))]
    search_fields = ["phrase"]
    copy_view_enabled = False
    # Entries are trimmed and refused as duplicates whatever their case by the action.
    add_view_class = BlockedWordCreateView
    edit_view_class = BlockedWordEditView
    panels = [
        FieldPanel(
            "phrase",
            help_text=_(
                "Matched as a whole word or phrase, whatever the case. A matching comment "
                "is not published but waits for a moderator."
            ),
        )
    ]


class UserBlockViewSet(ParticipationViewSet):
    """Blocks are set from the moderation queue (``block_user``); here they are listed and
    lifted early (``lift_block``)."""

    model = UserBlock
    icon = "lock"
    menu_label = _("Blocks")
    list_display = [
        Column("user", label=_("Person")),
        Column("scope", label=_("Where"), accessor=block_scope),
        Column("reason", label=_("Reason"), accessor="get_reason_display"),
        Column("until", label=_("Until"), accessor=block_until),
        Column("state", label=_("State"), accessor=block_state),
        Column("moderator", label=_("Blocked by")),
        DateColumn("created", label=_("Since")),
    ]
    filterset_class = UserBlockFilterSet
    index_view_class = RecordIndexView
    search_fields = ["user__pseudonym", "user__email", "note"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "user",
        "consultation",
        "reason",
        "note",
        "until",
        "lifted_at",
        "moderator",
        "created",
    ]
    copy_view_enabled = False

    def get_queryset(self, request):
        return UserBlock.objects.select_related("user", "consultation", "moderator")


class ModerationDecisionViewSet(ParticipationViewSet):
    """The audit trail: who decided what, when and why (read-only)."""

    model = ModerationDecision
    icon = "tasks"
    menu_label = _("Moderation decisions")
    list_display = [
        DateColumn("created", label=_("When")),
        Column("kind", label=_("What"), accessor="get_kind_display"),
        Column("moderator", label=_("Who")),
        Column("reason", label=_("Why"), accessor="get_reason_display"),
        Column("note", label=_("Note")),
        Column("subject", label=_("Person concerned")),
        Column("comment", label=_("Comment"), accessor=decision_comment),
        Column("consultation", label=_("Consultation")),
    ]
    filterset_class = ModerationDecisionFilterSet
    index_view_class = RecordIndexView
    search_fields = ["note", "moderator__pseudonym", "subject__pseudonym"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "created",
        "kind",
        "moderator",
        "reason",
        "note",
        "subject",
        "comment",
        "consultation",
    ]
    copy_view_enabled = False

    def get_queryset(self, request):
        return ModerationDecision.objects.select_related("moderator", "subject", "consultation")


class ParticipationViewSetGroup(SnippetViewSetGroup):
    menu_label = _("Participation")
    menu_icon = "group"
    menu_order = 250
    submenu_hook = "register_participation_menu_item"
    items = (
        ConsultationViewSet,
        DiscussionViewSet,
        SurveyViewSet,
        QuickPollViewSet,
        CouncilViewSet,
        TopicViewSet,
        DistrictViewSet,
        ConsultationMembershipViewSet,
        BlockedWordViewSet,
        UserBlockViewSet,
        ModerationDecisionViewSet,
    )
