"""Buttons added to the rows of snippet listings (``register_snippet_listing_buttons``)."""

import rules
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import Button

from consultations.models import Consultation, UserBlock


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
