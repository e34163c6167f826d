"""The base of every participation object's admin (its own module, so that a module's viewset
file and the shared listing file can both build on it)."""

from django.contrib.auth.models import Permission
from wagtail.snippets.views.snippets import SnippetViewSet

from consultations.admin.views import DeletedThroughActionView


class ParticipationViewSet(SnippetViewSet):
    """A participation object's admin: the named rules decide who may do what
    (``permissions.RulesPermissionPolicy``, registered for the model in the hooks), and
    deleting goes through the model's delete action."""

    delete_view_class = DeletedThroughActionView

    def get_permissions_to_register(self):
        # The group editor would offer model permissions nobody reads any more.
        return Permission.objects.none()
