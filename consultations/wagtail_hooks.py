"""The participation objects in the Wagtail admin, grouped under "Participation".

They are registered as snippets so pages can choose them (``SnippetChooserBlock`` for the
consultation teaser); access follows the ordinary model permissions (add/change/delete/view),
which the "Editors" group is given by a cms data migration.

The results statement is not an ordinary field: it is published through the
``publish_results`` action (which records the time and tells everybody watching), from its
own admin view linked from the consultation listing.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import DeleteView, SnippetViewSet, SnippetViewSetGroup

from consultations.actions import ActionError
from consultations.actions.consultations import publish_results
from consultations.models import Consultation, ConsultationMembership, District, Topic, User


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
                "Use “Publish results” in the list of consultations: it informs everybody "
                "who is watching the consultation."
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


class ParticipationViewSetGroup(SnippetViewSetGroup):
    menu_label = _("Participation")
    menu_icon = "group"
    menu_order = 250
    items = (ConsultationViewSet, TopicViewSet, DistrictViewSet, ConsultationMembershipViewSet)


register_snippet(ParticipationViewSetGroup)


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
