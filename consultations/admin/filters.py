"""Filters of the admin listings of the read-only records."""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from consultations.models import ModerationDecision, UserBlock


class UserBlockFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=[("active", _("Active")), ("ended", _("Lifted or expired"))],
        method="filter_state",
        empty_label=_("All"),
    )

    class Meta:
        model = UserBlock
        fields = ["consultation", "reason"]

    def filter_state(self, queryset, name, value):
        active = UserBlock.objects.active().values("pk")
        if value == "active":
            return queryset.filter(pk__in=active)
        if value == "ended":
            return queryset.exclude(pk__in=active)
        return queryset


class ModerationDecisionFilterSet(WagtailFilterSet):
    class Meta:
        model = ModerationDecision
        # No filter by person: a select of every account would not scale (search instead).
        fields = ["consultation", "kind", "reason"]
