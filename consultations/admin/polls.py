"""Quick polls in the admin: the question, its dates and audience, and its choices inline. The
form only parses; ``create_poll`` / ``change_poll`` check, write and log."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import CreateView, EditView

from consultations.actions.polls import change_poll, create_poll
from consultations.admin.base import ParticipationViewSet
from consultations.admin.views import SavedThroughActionMixin
from consultations.models import QuickPoll

POLL_FIELDS = ("question", "opens", "closes", "audience", "is_published")


def _ordered(formset):
    try:
        return list(formset.ordered_forms)
    except AttributeError:
        return [f for f in formset.forms if f.cleaned_data and not formset._should_delete_form(f)]


def poll_data(form) -> dict:
    data = {name: form.cleaned_data.get(name) for name in POLL_FIELDS}
    data["choices"] = [
        {
            "id": choice_form.instance.pk
            or getattr(choice_form.cleaned_data.get("id"), "pk", None),
            "label": choice_form.cleaned_data.get("label"),
        }
        for choice_form in _ordered(form.formsets["choices"])
        if choice_form.cleaned_data
    ]
    return data


class PollCreateView(SavedThroughActionMixin, CreateView):
    def save_through_action(self, form):
        return create_poll(editor=self.request.user, **poll_data(form))


class PollEditView(SavedThroughActionMixin, EditView):
    def save_through_action(self, form):
        return change_poll(editor=self.request.user, poll=self.object, **poll_data(form))


class QuickPollViewSet(ParticipationViewSet):
    """Quick polls are made here and placed on any page with the "Quick poll" block."""

    model = QuickPoll
    icon = "tick-inverse"
    menu_label = _("Quick polls")
    list_display = [
        "question",
        "opens",
        "closes",
        "is_published",
        Column("vote_count", label=_("Votes")),
    ]
    list_filter = ["is_published", "audience"]
    search_fields = ["question"]
    copy_view_enabled = False
    add_view_class = PollCreateView
    edit_view_class = PollEditView
    edit_handler = ObjectList(
        [
            FieldPanel("question"),
            FieldRowPanel([FieldPanel("opens"), FieldPanel("closes")]),
            FieldPanel("audience"),
            FieldPanel("is_published"),
            InlinePanel("choices", label=_("Choice"), min_num=2, max_num=10),
        ]
    )

    def get_queryset(self, request):
        return QuickPoll.objects.annotate(vote_count=Count("votes"))
