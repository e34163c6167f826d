"""Registers the participation admin (``consultations/admin/``) with Wagtail: nothing else.

The order matters where Wagtail reads it: the read-only permission policies before any
viewset asks for them, and the listing buttons in the order they appear.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from consultations.admin import buttons, menus, surveys, urls, views
from consultations.admin.choosers import person_chooser_viewset
from consultations.admin.permissions import ViewOnlyPermissionPolicy
from consultations.admin.tasks import failed_tasks_viewset  # registers its permission policy
from consultations.admin.viewsets import ParticipationViewSetGroup
from consultations.models import ModerationDecision, UserBlock

# Registered before any viewset asks for the policy (Wagtail refuses late registration).
register_permission_policy(UserBlock, ViewOnlyPermissionPolicy(UserBlock))
register_permission_policy(ModerationDecision, ViewOnlyPermissionPolicy(ModerationDecision))

register_snippet(ParticipationViewSetGroup)


@hooks.register("register_admin_viewset")
def register_person_chooser():
    return person_chooser_viewset


@hooks.register("register_admin_viewset")
def register_failed_tasks():
    return failed_tasks_viewset


@hooks.register("register_admin_urls")
def register_admin_urls():
    return urls.urlpatterns


hooks.register("register_participation_menu_item", menus.moderation_queue_menu_item)
hooks.register("before_bulk_action", views.refuse_bulk_deleting_discussions_with_comments)
hooks.register("register_snippet_listing_buttons", buttons.publish_results_button)
hooks.register("register_snippet_listing_buttons", buttons.lift_block_button)
hooks.register("before_bulk_action", surveys.refuse_bulk_deleting_surveys)
hooks.register("register_snippet_listing_buttons", surveys.open_survey_button)


@hooks.register("register_log_actions")
def register_survey_log_actions(actions):
    actions.register_action(
        "mitreden.survey_paper_response",
        _("Enter a paper response"),
        _("Paper response entered"),
    )
