"""Menu items of the "Participation" menu that are not viewsets."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem

from consultations import selectors


class ModerationQueueMenuItem(MenuItem):
    """The public moderation queue, for people who moderate at least one consultation."""

    def is_shown(self, request):
        return selectors.moderated_consultations(request.user).exists()


def moderation_queue_menu_item():
    return ModerationQueueMenuItem(
        _("Moderation queue"), reverse("moderation_queue"), icon_name="tasks", order=900
    )
