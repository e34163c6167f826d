"""Forms of the public site (filters); the admin's forms come from Wagtail panels."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from consultations.models import Consultation, District, Topic


class ConsultationFilterForm(forms.Form):
    """Filter consultations by topic, district and status; every field may stay empty."""

    topic = forms.ModelChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All topics"),
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All districts"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("", _("Any status")),
            *((value, capfirst(label)) for value, label in Consultation.Status.choices),
        ],
        required=False,
    )
