"""The admin's views of our own: create and edit views that save through actions, delete
views and the bulk delete that delete through actions, listings of records, and the forms
that write through actions (publishing results, lifting a block)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property, classproperty
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.ui.tables import TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.models import get_snippet_models
from wagtail.snippets.views.snippets import CreateView, DeleteView, EditView, IndexView

from consultations import actions
from consultations.actions import ActionError
from consultations.actions.consultations import (
    PHASE_FIELDS,
    PhaseError,
    change_consultation,
    change_discussion,
    create_consultation,
    create_discussion,
    delete_consultation,
    delete_discussion,
    publish_results,
)
from consultations.actions.councils import delete_council
from consultations.actions.memberships import change_role, grant_role, revoke_role
from consultations.actions.moderation import lift_block
from consultations.actions.places import (
    change_district,
    change_topic,
    create_district,
    create_topic,
    delete_district,
    delete_topic,
)
from consultations.actions.polls import delete_poll
from consultations.actions.surveys import delete_survey
from consultations.actions.word_list import (
    add_blocked_word,
    change_blocked_word,
    delete_blocked_word,
)
from consultations.admin.columns import block_scope
from consultations.admin.forms import PublishResultsForm
from consultations.models import (
    BlockedWord,
    Consultation,
    ConsultationMembership,
    Council,
    Discussion,
    District,
    QuickPoll,
    Survey,
    Topic,
    UserBlock,
)

APP_LABEL = "consultations"


def show_action_error(form, error: ActionError) -> None:
    """Put an action's refusal on the form: on the field it names if the form has it (a
    phase's error on that phase's form), otherwise above the form."""
    if isinstance(error, PhaseError) and error.index is not None:
        formset = form.formsets["phases"]
        kept = [f for f in formset.forms if f.cleaned_data and not formset._should_delete_form(f)]
        if error.index < len(kept):
            field = error.field if error.field in kept[error.index].fields else None
            kept[error.index].add_error(field, error.message)
            return
    field = error.code if error.code in form.fields else None
    form.add_error(field or NON_FIELD_ERRORS, error.message)


class SavedThroughActionMixin:
    """A create or edit view whose form only parses: ``save_through_action`` calls the action
    (which checks the named rule, validates, writes, logs to Wagtail's audit log and
    broadcasts), instead of Wagtail saving the instance and logging by itself. A refusal is
    shown on the form and nothing is written."""

    def save_instance(self):
        return self.save_through_action(self.form)

    def save_through_action(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except actions.PermissionDenied as error:
            raise PermissionDenied(error.message) from error
        except ActionError as error:
            self.form = form
            show_action_error(form, error)
            self.produced_error_code = error.code
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


CONSULTATION_FIELDS = (
    "title",
    "slug",
    "summary",
    "topic",
    "district",
    "area",
    "visibility",
    "moderation_mode",
)


def consultation_data(form) -> dict:
    """The consultation's fields and its whole list of phases, from the form and its inline
    phase forms (deleted and untouched empty forms left out)."""
    fields = {name: form.cleaned_data.get(name) for name in CONSULTATION_FIELDS}
    formset = form.formsets["phases"]
    phases = [
        {
            **{name: phase_form.cleaned_data.get(name) for name in PHASE_FIELDS},
            "id": phase_form.instance.pk,
        }
        for phase_form in formset.forms
        if phase_form.cleaned_data and not formset._should_delete_form(phase_form)
    ]
    return {**fields, "phases": phases}


class ConsultationCreateView(SavedThroughActionMixin, CreateView):
    def save_through_action(self, form):
        return create_consultation(editor=self.request.user, **consultation_data(form))


class ConsultationEditView(SavedThroughActionMixin, EditView):
    def save_through_action(self, form):
        return change_consultation(
            editor=self.request.user, consultation=self.object, **consultation_data(form)
        )


def discussion_data(form) -> dict:
    return {
        "consultation": form.cleaned_data["consultation"],
        "title": form.cleaned_data["title"],
        "description": form.cleaned_data.get("description") or "",
        "open_in_phases": form.cleaned_data.get("open_in_phases") or [],
        "auto_hide_after_reports": form.cleaned_data.get("auto_hide_after_reports"),
    }


class DiscussionCreateView(SavedThroughActionMixin, CreateView):
    def save_through_action(self, form):
        return create_discussion(editor=self.request.user, **discussion_data(form))


class DiscussionEditView(SavedThroughActionMixin, EditView):
    def save_through_action(self, form):
        return change_discussion(
            editor=self.request.user, discussion=self.object, **discussion_data(form)
        )


class TopicCreateView(SavedThroughActionMixin, CreateView):
    def save_through_action(self, form):
        data = form.cleaned_data
        return create_topic(editor=self.request.user, name=data["name"], slug=data["slug"])


class TopicEditView(SavedThroughActionMixin, EditView):
    def save_through_action(self, form):
        data = form.cleaned_data
        return change_topic(
            editor=self.request.user, topic=self.object, name=data["name"], slug=data["slug"]
        )


class DistrictCreateView(SavedThroughActionMixin, CreateView):
    def save_through_action(self, form):
        data = form.cleaned_data
        return create_district(
            editor=self.request.user,
            name=data["name"],
            slug=data["slug"],
            population=data.get("population"),
        )


class DistrictEditView(SavedThroughActionMixin, EditView):
    def save_through_action(self, form):
        data = form.cleaned_data
        return change_district(
            editor=self.request.user,
            district=self.object,
            name=data["name"],
            slug=data["slug"],
            population=data.get("population"),
        )


class MembershipCreateView(SavedThroughActionMixin, CreateView):
    def save_through_action(self, form):
        data = form.cleaned_data
        return grant_role(
            editor=self.request.user,
            consultation=data["consultation"],
            user=data["user"],
            role=data["role"],
        )


class MembershipEditView(SavedThroughActionMixin, EditView):
    def save_through_action(self, form):
        data = form.cleaned_data
        return change_role(
            editor=self.request.user,
            membership=self.object,
            consultation=data["consultation"],
            user=data["user"],
            role=data["role"],
        )


class BlockedWordCreateView(SavedThroughActionMixin, CreateView):
    def save_through_action(self, form):
        return add_blocked_word(moderator=self.request.user, phrase=form.cleaned_data["phrase"])


class BlockedWordEditView(SavedThroughActionMixin, EditView):
    def save_through_action(self, form):
        return change_blocked_word(
            moderator=self.request.user, word=self.object, phrase=form.cleaned_data["phrase"]
        )


def _delete_consultation(user, consultation):
    return delete_consultation(editor=user, consultation=consultation)


def _delete_discussion(user, discussion):
    return delete_discussion(editor=user, discussion=discussion)


def _delete_topic(user, topic):
    return delete_topic(editor=user, topic=topic)


def _delete_district(user, district):
    return delete_district(editor=user, district=district)


def _revoke_role(user, membership):
    return revoke_role(editor=user, membership=membership)


def _delete_council(user, council):
    return delete_council(organiser=user, council=council)


def _delete_poll(user, poll):
    return delete_poll(editor=user, poll=poll)


def _delete_survey(user, survey):
    return delete_survey(editor=user, survey=survey)


def _delete_blocked_word(user, word):
    return delete_blocked_word(moderator=user, word=word)


# The delete action of each model the admin may delete. Blocks and decisions have none: only
# moderation actions write them (and no rule lets anybody delete them).
DELETE_ACTIONS = {
    Consultation: _delete_consultation,
    Discussion: _delete_discussion,
    Topic: _delete_topic,
    District: _delete_district,
    ConsultationMembership: _revoke_role,
    BlockedWord: _delete_blocked_word,
    Survey: _delete_survey,
    QuickPoll: _delete_poll,
    Council: _delete_council,
}


def delete_through_action(user, instance):
    """Delete ``instance`` through its model's delete action (which checks the named rule,
    refuses what must stay, writes the one audit entry and broadcasts); refused for a model
    that has none."""
    action = DELETE_ACTIONS.get(type(instance))
    if action is None:
        raise actions.PermissionDenied()
    return action(user, instance)


class DeletedThroughActionView(DeleteView):
    """The delete view of a participation object: Wagtail asks for confirmation, the delete
    action deletes (instead of Wagtail's own delete, which would write the audit entry a
    second time). A refusal is shown above the listing and nothing is deleted."""

    def delete_action(self):
        delete_through_action(self.request.user, self.object)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except actions.PermissionDenied as error:
            raise PermissionDenied(error.message) from error
        except ActionError as error:
            messages.error(self.request, error.message)
            return redirect(self.get_success_url())


class BulkDeleteRefused(Exception):
    def __init__(self, instance, error: ActionError):
        super().__init__(error.message)
        self.instance = instance
        self.error = error


class DeleteThroughActionsBulkAction(DeleteBulkAction):
    """The listings' bulk delete for our models: each selected object goes through its delete
    action, all in one transaction. When one is refused, nothing is deleted and the message
    names it and why (a partial bulk delete would be hard to see and to undo). Registered
    after Wagtail's own bulk delete, which it replaces for our models."""

    @classproperty
    def models(cls):
        return [model for model in get_snippet_models() if model._meta.app_label == APP_LABEL]

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        user = kwargs["self"].request.user
        for instance in objects:
            try:
                delete_through_action(user, instance)
            except ActionError as error:
                raise BulkDeleteRefused(instance, error) from error
        return len(objects), 0

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except BulkDeleteRefused as refused:
            messages.error(
                self.request,
                _("Nothing was deleted. “%(object)s”: %(reason)s")
                % {"object": refused.instance, "reason": refused.error.message},
            )
            return redirect(self.next_url)


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
