"""The participation objects in the Wagtail admin, grouped under "Participation".

They are registered as snippets so pages can choose them (``SnippetChooserBlock`` for the
consultation teaser); access follows the ordinary model permissions (add/change/delete/view),
which the "Editors" group is given by a cms data migration.

The results statement is not an ordinary field: it is published through the
``publish_results`` action (which records the time and tells everybody watching), from its
own admin view linked from the consultation listing.

Moderation lives mostly on the public site (the queue at ``/moderation/``, linked from this
menu for moderators). Here staff keep the word list, see blocks and lift them (through the
``lift_block`` action) and read the moderation decisions. Blocks and decisions are written
only by actions, so their admin is read-only (a permission policy refuses add, change and
delete even to superusers).
"""

import django_filters
import rules
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, ProtectedError, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    DeleteView,
    IndexView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from consultations import selectors
from consultations.actions import ActionError
from consultations.actions.consultations import publish_results
from consultations.actions.moderation import lift_block
from consultations.models import (
    BlockedWord,
    Consultation,
    ConsultationMembership,
    Discussion,
    District,
    ModerationDecision,
    Topic,
    User,
    UserBlock,
)


class ViewOnlyPermissionPolicy(ModelPermissionPolicy):
    """For records only actions write: the admin may list and inspect them, nothing else."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return User.objects.none()
        return super().users_with_any_permission(["view"])


# Registered before any viewset asks for the policy (Wagtail refuses late registration).
register_permission_policy(UserBlock, ViewOnlyPermissionPolicy(UserBlock))
register_permission_policy(ModerationDecision, ViewOnlyPermissionPolicy(ModerationDecision))


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


class ConsultationDeleteView(DeleteView):
    """Refuse politely when a page still presents the consultation (the key protects it)."""

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except ProtectedError:
            messages.error(
                self.request,
                _("A page still presents this consultation. Delete or move that page first."),
            )
            return redirect(self.get_success_url())


class ConsultationViewSet(SnippetViewSet):
    model = Consultation
    icon = "group"
    menu_label = _("Consultations")
    list_display = ["title", "topic", "district", "visibility", "modified"]
    list_filter = ["topic", "district", "visibility"]
    search_fields = ["title", "summary"]
    # A copy would carry the slug but not the phases; editors start new consultations afresh.
    copy_view_enabled = False
    delete_view_class = ConsultationDeleteView
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


class PersonFilterForm(BaseFilterForm):
    """Find a person by pseudonym, e-mail address or name (a select of every account would
    not scale to a city)."""

    q = forms.CharField(label=_("Search term"), required=False)

    def filter(self, objects):
        objects = super().filter(objects)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            objects = objects.filter(
                Q(pseudonym__icontains=query)
                | Q(email__icontains=query)
                | Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
            )
            self.is_searching = True
            self.search_query = query
        return objects


class PersonChooseViewMixin:
    filter_form_class = PersonFilterForm

    def dispatch(self, request, *args, **kwargs):
        # E-mail addresses are listed: only for people who hand out consultation roles.
        if not (
            request.user.has_perm("consultations.add_consultationmembership")
            or request.user.has_perm("consultations.change_consultationmembership")
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def columns(self):
        return [*super().columns, Column("email", label=_("E-mail address"))]


class PersonChooseView(PersonChooseViewMixin, ChooseView):
    pass


class PersonChooseResultsView(PersonChooseViewMixin, ChooseResultsView):
    pass


class PersonChooserViewSet(ChooserViewSet):
    """Choose an active account when giving someone a role in a consultation."""

    model = User
    icon = "user"
    choose_one_text = _("Choose a person")
    choose_another_text = _("Choose another person")
    per_page = 20
    choose_view_class = PersonChooseView
    choose_results_view_class = PersonChooseResultsView

    def get_object_list(self):
        return User.objects.filter(is_active=True, deleted_at__isnull=True).order_by("pseudonym")


person_chooser_viewset = PersonChooserViewSet("consultation_person_chooser")


@hooks.register("register_admin_viewset")
def register_person_chooser():
    return person_chooser_viewset


class ConsultationMembershipViewSet(SnippetViewSet):
    model = ConsultationMembership
    icon = "user"
    menu_label = _("Consultation roles")
    list_display = ["consultation", "user", "role"]
    list_filter = ["consultation", "role"]
    search_fields = ["user__pseudonym", "user__email", "consultation__title"]
    panels = [
        FieldPanel("consultation"),
        FieldPanel("user", widget=person_chooser_viewset.widget_class),
        FieldPanel("role"),
    ]


DISCUSSION_HAS_COMMENTS = _(
    "This discussion has comments and cannot be deleted. Remove its block "
    "from the consultation page instead."
)


@hooks.register("before_bulk_action")
def refuse_bulk_deleting_discussions_with_comments(request, action_type, objects, action):
    """The bulk delete of the listing would bypass ``DiscussionDeleteView``."""
    if action_type != "delete":
        return None
    discussions = [obj.pk for obj in objects if isinstance(obj, Discussion)]
    if (
        discussions
        and Discussion.objects.filter(pk__in=discussions, comments__isnull=False).exists()
    ):
        messages.error(request, DISCUSSION_HAS_COMMENTS)
        return redirect(action.next_url)
    return None


class DiscussionDeleteView(DeleteView):
    """Residents' comments are part of the consultation's record: a discussion that has any
    is not deleted (take its block off the page to close it to view instead)."""

    def form_valid(self, form):
        if self.object.comments.exists():
            messages.error(self.request, DISCUSSION_HAS_COMMENTS)
            return redirect(self.get_success_url())
        return super().form_valid(form)


class DiscussionViewSet(SnippetViewSet):
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
    delete_view_class = DiscussionDeleteView
    panels = [
        FieldPanel("consultation"),
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("auto_hide_after_reports"),
    ]

    def get_queryset(self, request):
        return Discussion.objects.select_related("consultation").annotate(
            comment_count=Count("comments")
        )


class BlockedWordForm(WagtailAdminModelForm):
    """Entries are stored trimmed, with single spaces, and unique whatever their case (the
    word list matches case-insensitively, so "Idiot" and "idiot" would be the same entry)."""

    def clean_phrase(self):
        phrase = " ".join((self.cleaned_data.get("phrase") or "").split())
        if not phrase:
            raise forms.ValidationError(_("Please enter a word or phrase."))
        # Compared in Python: databases fold only ASCII case ("STRAẞE" is "straße").
        others = BlockedWord.objects.exclude(pk=self.instance.pk).values_list("phrase", flat=True)
        if any(other.casefold() == phrase.casefold() for other in others):
            raise forms.ValidationError(
                _("“%(phrase)s” is already on the word list.") % {"phrase": phrase}
            )
        return phrase


class BlockedWordViewSet(SnippetViewSet):
    """Comments containing one of these words or phrases wait in the moderation queue."""

    model = BlockedWord
    icon = "warning"
    menu_label = _("Word list")
    list_display = ["phrase", DateColumn("created", label=_("Added"))]
    search_fields = ["phrase"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel(
                "phrase",
                help_text=_(
                    "Matched as a whole word or phrase, whatever the case. A matching comment "
                    "is not published but waits for a moderator."
                ),
            )
        ],
        base_form_class=BlockedWordForm,
    )


class RecordIndexView(IndexView):
    """A listing of records without a telling ``__str__``: its first column (a ``Column`` in
    ``list_display``) links to the inspect view and carries the row's buttons."""

    @cached_property
    def columns(self):
        columns = list(super().columns)
        index = 1  # after the bulk-action checkboxes
        first = columns[index]
        title_column = self._get_title_column_class(TitleColumn)
        columns[index] = title_column(
            first.name,
            label=first.label,
            accessor=first.accessor,
            sort_key=first.sort_key,
            get_url=self.get_inspect_url,
        )
        return columns


class UserBlockFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=[("active", _("Active")), ("ended", _("Lifted or expired"))],
        method="filter_state",
        empty_label=_("All"),
    )

    class Meta:
        model = UserBlock
        fields = ["consultation", "reason"]

    def filter_state(self, queryset, name, value):
        active = UserBlock.objects.active().values("pk")
        if value == "active":
            return queryset.filter(pk__in=active)
        if value == "ended":
            return queryset.exclude(pk__in=active)
        return queryset


def block_state(block: UserBlock) -> str:
    if block.lifted_at:
        return gettext("Lifted on %(date)s") % {
            "date": timezone.localtime(block.lifted_at).strftime("%d.%m.%Y %H:%M")
        }
    if block.until and block.until <= timezone.now():
        return gettext("Expired")
    return gettext("Active")


def block_until(block: UserBlock) -> str:
    """The end date as a date, never relative ("just now" for a date in the future)."""
    if block.until is None:
        return gettext("until further notice")
    return timezone.localtime(block.until).strftime("%d.%m.%Y %H:%M")


def block_scope(block: UserBlock) -> str:
    return str(block.consultation) if block.consultation_id else gettext("Everywhere")


class UserBlockViewSet(SnippetViewSet):
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


class ModerationDecisionFilterSet(WagtailFilterSet):
    class Meta:
        model = ModerationDecision
        # No filter by person: a select of every account would not scale (search instead).
        fields = ["consultation", "kind", "reason"]


def decision_comment(decision: ModerationDecision) -> str:
    return f"#{decision.comment_id}" if decision.comment_id else "–"


class ModerationDecisionViewSet(SnippetViewSet):
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


class ModerationQueueMenuItem(MenuItem):
    """The public moderation queue, for people who moderate at least one consultation."""

    def is_shown(self, request):
        return selectors.moderated_consultations(request.user).exists()


class ParticipationViewSetGroup(SnippetViewSetGroup):
    menu_label = _("Participation")
    menu_icon = "group"
    menu_order = 250
    submenu_hook = "register_participation_menu_item"
    items = (
        ConsultationViewSet,
        DiscussionViewSet,
        TopicViewSet,
        DistrictViewSet,
        ConsultationMembershipViewSet,
        BlockedWordViewSet,
        UserBlockViewSet,
        ModerationDecisionViewSet,
    )


register_snippet(ParticipationViewSetGroup)


@hooks.register("register_participation_menu_item")
def moderation_queue_menu_item():
    return ModerationQueueMenuItem(
        _("Moderation queue"), reverse("moderation_queue"), icon_name="tasks", order=900
    )


class PublishResultsForm(forms.Form):
    statement = forms.CharField(
        label=_("What became of your input"),
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=20000,
        help_text=_("Plain text; blank lines start new paragraphs, web addresses become links."),
    )


class PublishResultsView(WagtailAdminTemplateMixin, FormView):
    """Publish (or correct) a consultation's results statement through the action."""

    template_name = "wagtailadmin/generic/form.html"
    form_class = PublishResultsForm
    page_title = _("Publish results")
    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        self.consultation = get_object_or_404(Consultation, pk=kwargs["pk"])
        if not request.user.has_perm("consultations.publish_results", self.consultation):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.consultation)

    def get_initial(self):
        return {"statement": self.consultation.results_statement}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["action_url"] = self.request.path
        context["submit_button_label"] = _("Publish results")
        context["submit_button_active_label"] = _("Publishing…")
        return context

    def form_valid(self, form):
        try:
            publish_results(
                editor=self.request.user,
                consultation=self.consultation,
                statement=form.cleaned_data["statement"],
            )
        except ActionError as error:
            form.add_error("statement", error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The results of “%(title)s” are published.") % {"title": self.consultation},
        )
        return redirect(reverse("wagtailsnippets_consultations_consultation:list"))


@hooks.register("register_admin_urls")
def register_publish_results_url():
    return [
        path(
            "consultations/<int:pk>/results/",
            PublishResultsView.as_view(),
            name="consultations_publish_results",
        )
    ]


@hooks.register("register_snippet_listing_buttons")
def publish_results_button(snippet, user, next_url=None):
    if isinstance(snippet, Consultation) and user.has_perm(
        "consultations.publish_results", snippet
    ):
        yield Button(
            _("Publish results"),
            reverse("consultations_publish_results", args=[snippet.pk]),
            icon_name="doc-full",
            priority=40,
        )


class LiftBlockView(WagtailAdminTemplateMixin, FormView):
    """End a block early through the ``lift_block`` action (which checks who may)."""

    template_name = "wagtailadmin/generic/form.html"
    form_class = forms.Form
    page_title = _("Lift block")
    header_icon = "lock-open"

    def dispatch(self, request, *args, **kwargs):
        self.block = get_object_or_404(
            UserBlock.objects.select_related("user", "consultation"), pk=kwargs["pk"]
        )
        if not request.user.has_perm("consultations.view_userblock"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return f"{self.block.user} – {block_scope(self.block)}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["action_url"] = self.request.path
        context["submit_button_label"] = _("Lift block")
        context["submit_button_active_label"] = _("Lifting…")
        return context

    def form_valid(self, form):
        listing = reverse("wagtailsnippets_consultations_userblock:list")
        if not UserBlock.objects.active().filter(pk=self.block.pk).exists():
            messages.error(self.request, _("This block has already ended."))
            return redirect(listing)
        try:
            lift_block(moderator=self.request.user, block=self.block)
        except ActionError as error:
            messages.error(self.request, error.message)
            return redirect(listing)
        messages.success(
            self.request, _("%(person)s can take part again.") % {"person": self.block.user}
        )
        return redirect(listing)


@hooks.register("register_admin_urls")
def register_lift_block_url():
    return [
        path("consultations/blocks/<int:pk>/lift/", LiftBlockView.as_view(), name="lift_user_block")
    ]


@hooks.register("register_snippet_listing_buttons")
def lift_block_button(snippet, user, next_url=None):
    if (
        isinstance(snippet, UserBlock)
        and snippet.lifted_at is None
        and (snippet.until is None or snippet.until > timezone.now())
        and rules.has_perm("consultations.moderate_discussion", user, snippet.consultation)
    ):
        yield Button(
            _("Lift block"),
            reverse("lift_user_block", args=[snippet.pk]),
            icon_name="lock-open",
            priority=40,
        )
