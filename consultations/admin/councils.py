"""Citizens' councils in the admin: the council's own fields. The form only parses;
``create_council`` / ``change_council`` check, write and log. Organisers, stratification,
the register extract and the draw are actions with no admin screens yet (docs/councils.md)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import CreateView, EditView

from consultations.actions.councils import DATE_FIELDS, change_council, create_council
from consultations.admin.base import ParticipationViewSet, visible_in_admin
from consultations.admin.views import DeletedThroughActionView, SavedThroughActionMixin
from consultations.models import Council

COUNCIL_FIELDS = (
    "title",
    "question",
    "description",
    "status",
    "panel_size",
    "quota_tolerance",
    "personal_data_deleted_on",
    *DATE_FIELDS,
)


def council_data(form) -> dict:
    return {name: form.cleaned_data.get(name) for name in COUNCIL_FIELDS}


class PerCouncilPermissionMixin:
    """Wagtail's edit and delete views ask the model-level rule ("may change some
    council"); organising is per council, so the instance's rule decides here."""

    def get_object(self, *args, **kwargs):
        instance = super().get_object(*args, **kwargs)
        policy = self.permission_policy
        if not policy.user_has_permission_for_instance(
            self.request.user, self.permission_required, instance
        ):
            raise PermissionDenied
        return instance


class CouncilDeleteView(PerCouncilPermissionMixin, DeletedThroughActionView):
    pass


class CouncilCreateView(SavedThroughActionMixin, CreateView):
    def save_through_action(self, form):
        return create_council(
            organiser=self.request.user,
            consultation=form.cleaned_data.get("consultation"),
            **council_data(form),
        )


class CouncilEditView(PerCouncilPermissionMixin, SavedThroughActionMixin, EditView):
    def save_through_action(self, form):
        return change_council(
            organiser=self.request.user,
            council=self.object,
            consultation=form.cleaned_data.get("consultation"),
            **council_data(form),
        )


class CouncilViewSet(ParticipationViewSet):
    """Councils are set up here by council organisers; each sees the drafts it organises."""

    model = Council
    icon = "group"
    menu_label = _("Citizens' councils")
    list_display = [
        "title",
        "consultation",
        "status",
        "panel_size",
        Column("entry_count", label=_("Register entries")),
    ]
    list_filter = ["status"]
    search_fields = ["title", "question"]
    copy_view_enabled = False
    add_view_class = CouncilCreateView
    edit_view_class = CouncilEditView
    delete_view_class = CouncilDeleteView
    edit_handler = ObjectList(
        [
            FieldPanel("consultation"),
            FieldPanel("title"),
            FieldPanel("question"),
            FieldPanel("description"),
            FieldRowPanel([FieldPanel("status"), FieldPanel("panel_size")]),
            FieldPanel("quota_tolerance"),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("invitations_on"), FieldPanel("registration_until")]),
                    FieldPanel("panel_drawn_on"),
                    FieldRowPanel([FieldPanel("sessions_from"), FieldPanel("sessions_until")]),
                ],
                heading=_("Timeline"),
            ),
            FieldPanel("personal_data_deleted_on"),
        ]
    )

    def get_queryset(self, request):
        # Drafts are their organisers' (and admins'): the listing shows what the person sees.
        councils = Council.objects.select_related("consultation").annotate(
            entry_count=Count("register_entries")
        )
        return visible_in_admin(councils, request.user)
