"""Registers the participation admin (``consultations/admin/``) with Wagtail: nothing else.

The order matters where Wagtail reads it: the rules permission policies before any viewset
asks for them, our bulk delete after Wagtail's (it replaces it for our models), and the
listing buttons in the order they appear.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from consultations.admin import buttons, menus, surveys, urls, views
from consultations.admin.choosers import person_chooser_viewset
from consultations.admin.permissions import register_rules_policies
from consultations.admin.tasks import failed_tasks_viewset  # registers its permission policy
from consultations.admin.viewsets import ParticipationViewSetGroup

# Registered before any viewset asks for the policy (Wagtail refuses late registration).
register_rules_policies(viewset.model for viewset in ParticipationViewSetGroup.items)

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
# After Wagtail's own (order 0), so the registry keeps ours for our models.
hooks.register("register_bulk_action", views.DeleteThroughActionsBulkAction, order=1)
hooks.register("register_snippet_listing_buttons", buttons.publish_results_button)
hooks.register("register_snippet_listing_buttons", buttons.lift_block_button)
hooks.register("register_snippet_listing_buttons", surveys.open_survey_button)


@hooks.register("register_log_actions")
def register_survey_log_actions(actions):
    actions.register_action(
        "mitreden.survey_paper_response",
        _("Enter a paper response"),
        _("Paper response entered"),
    )


@hooks.register("register_log_actions")
def register_council_log_actions(actions):
    for action, label, message in (
        (
            "mitreden.council_stratification",
            _("Set the stratification"),
            _("Stratification set"),
        ),
        (
            "mitreden.council_register_imported",
            _("Import the register extract"),
            _("Register extract imported"),
        ),
        (
            "mitreden.council_register_deleted",
            _("Delete the register extract"),
            _("Register extract deleted"),
        ),
        (
            "mitreden.council_invitations_drawn",
            _("Draw the invitations"),
            _("Invitations drawn"),
        ),
    ):
        actions.register_action(action, label, message)
