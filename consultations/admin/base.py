"""The base of every participation object's admin (its own module, so that a module's viewset
file and the shared listing file can both build on it)."""

from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
    SnippetCreateView,
)
from wagtail.snippets.views.snippets import SnippetViewSet

from consultations import actions, registry
from consultations.actions import ActionError
from consultations.admin.views import DeletedThroughActionView


def visible_in_admin(queryset, user):
    """The instances a person may see, where the model is a participation module's (drafts of
    a survey are its staff's only); other models as they are."""
    for module in registry.registered():
        if apps.get_model(module.model) is queryset.model:
            return module.visible(queryset, user)
    return queryset


class VisibleOnlyMixin:
    def get_object_list(self):
        return visible_in_admin(super().get_object_list(), self.request.user)


class VisibleChooseView(VisibleOnlyMixin, ChooseView):
    pass


class VisibleChooseResultsView(VisibleOnlyMixin, ChooseResultsView):
    pass


class VisibleChosenView(SnippetChosenView):
    def get_object(self, pk):
        found = visible_in_admin(self.model_class.objects.filter(pk=pk), self.request.user)
        instance = found.first()
        if instance is None:
            raise Http404
        return instance


class VisibleChosenMultipleView(SnippetChosenMultipleView):
    def get_objects(self, pks):
        return visible_in_admin(self.model_class.objects.filter(pk__in=pks), self.request.user)


class VisibleChooserViewSet(SnippetChooserViewSet):
    """The snippet chooser (used by page blocks) lists and returns only what the person may
    see: Wagtail's own would show every row to anybody with admin access."""

    choose_view_class = VisibleChooseView
    choose_results_view_class = VisibleChooseResultsView
    chosen_view_class = VisibleChosenView
    chosen_multiple_view_class = VisibleChosenMultipleView


class ParticipationViewSet(SnippetViewSet):
    """A participation object's admin: the named rules decide who may do what
    (``permissions.RulesPermissionPolicy``, registered for the model in the hooks), and
    deleting goes through the model's delete action."""

    delete_view_class = DeletedThroughActionView
    chooser_viewset_class = VisibleChooserViewSet

    def get_permissions_to_register(self):
        # The group editor would offer model permissions nobody reads any more.
        return Permission.objects.none()


class SavedThroughActionChooserCreateView(SnippetCreateView):
    """The "create" tab of a chooser whose form only parses: ``save_through_action`` calls
    the model's create action; a refusal is shown on the form and nothing is written."""

    def save_through_action(self, form):
        raise NotImplementedError

    def post(self, request):
        self.form = self.get_creation_form()
        if self.form.is_valid():
            try:
                instance = self.save_through_action(self.form)
            except actions.PermissionDenied as error:
                raise PermissionDenied(error.message) from error
            except ActionError as error:
                field = error.code if error.code in self.form.fields else None
                self.form.add_error(field, error.message)
            else:
                return self.get_chosen_response(instance)
        return self.get_reshow_creation_form_response()
