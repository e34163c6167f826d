"""The "new consultation" form: everything a consultation needs on one screen, with
defaults that make the common case (four phases, one discussion, a published page) a title,
an introduction and one button."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import ConsultationIndexPage
from cms.widgets import GermanSlugInput, title_syncs_to
from consultations.models import Consultation, District, Topic
from consultations.phases import PhaseKind

# Days from today and length in days of each phase the form proposes.
PROPOSED_PHASES = {
    PhaseKind.INFORMATION: (7, 14),
    PhaseKind.PARTICIPATION: (21, 28),
    PhaseKind.EVALUATION: (49, 21),
    PhaseKind.RESULTS: (70, 28),
}


CONSULTATION_FIELDS = (
    "index",
    "title",
    "slug",
    "summary",
    "topic",
    "district",
    "visibility",
    "moderation_mode",
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class NewConsultationForm(forms.Form):
    """Parses only: ``cms.actions.set_up_consultation`` checks and writes."""

    index = forms.ModelChoiceField(
        label=_("Consultation section"),
        queryset=ConsultationIndexPage.objects.none(),
        empty_label=None,
        help_text=_("The page is created below this section."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Slug"),
        max_length=200,
        required=False,
        widget=GermanSlugInput(),
        help_text=_(
            "The consultation's web address. Made from the title if left empty "
            "(ä → ae, ö → oe, ü → ue, ß → ss)."
        ),
    )
    summary = forms.CharField(
        label=_("Introduction"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What it is about, in a few sentences. Shown at the top of the page, in "
            "teasers and in search results."
        ),
    )
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.all(), required=False)
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.all(),
        required=False,
        empty_label=_("whole town"),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Consultation.Visibility.choices,
        initial=Consultation.Visibility.PUBLIC,
    )
    moderation_mode = forms.ChoiceField(
        label=_("Moderation"),
        choices=Consultation.ModerationMode.choices,
        initial=Consultation.ModerationMode.AFTER,
    )
    discussion_title = forms.CharField(
        label=_("Discussion"),
        max_length=200,
        required=False,
        initial=_("Have your say"),
        help_text=_("The title of the consultation's discussion. Leave empty for none."),
    )
    survey_title = forms.CharField(
        label=_("Survey"),
        max_length=200,
        required=False,
        help_text=_(
            "The title of a survey, created as a draft: add its questions under "
            "Participation › Surveys. Leave empty for none."
        ),
    )
    publish = forms.BooleanField(
        label=_("Publish the page now"),
        required=False,
        initial=True,
        help_text=_("Otherwise the page is saved as a draft."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs.update(title_syncs_to("id_slug"))
        sections = [
            index
            for index in ConsultationIndexPage.objects.order_by("path")
            if index.permissions_for_user(user).can_add_subpage()
        ]
        self.fields["index"].queryset = ConsultationIndexPage.objects.filter(
            pk__in=[index.pk for index in sections]
        ).order_by("path")
        today = timezone.localdate()
        for kind in PhaseKind:
            offset, length = PROPOSED_PHASES[kind]
            start = forms.DateField(
                label=_("%(phase)s from") % {"phase": kind.label},
                required=False,
                widget=DateInput(),
                initial=today + timedelta(days=offset),
            )
            end = forms.DateField(
                label=_("%(phase)s until") % {"phase": kind.label},
                required=False,
                widget=DateInput(),
                initial=today + timedelta(days=offset + length - 1),
                help_text=_("Leave both dates empty to skip this phase."),
            )
            self.fields[f"{kind.value}_start"] = start
            self.fields[f"{kind.value}_end"] = end

    def consultation_fields(self):
        return [self[name] for name in CONSULTATION_FIELDS]

    def phase_fields(self):
        """Pairs of bound fields (from, until), one pair per phase, for the template."""
        return [
            (kind.label, self[f"{kind.value}_start"], self[f"{kind.value}_end"])
            for kind in PhaseKind
        ]

    def clean(self):
        cleaned = super().clean()
        phases = []
        for kind in PhaseKind:
            start = cleaned.get(f"{kind.value}_start")
            end = cleaned.get(f"{kind.value}_end")
            if start is None and end is None:
                continue
            if start is None or end is None:
                self.add_error(
                    f"{kind.value}_start" if start is None else f"{kind.value}_end",
                    _("Give both dates, or neither to skip this phase."),
                )
                continue
            if end < start:
                self.add_error(f"{kind.value}_end", _("A phase must end after it starts."))
                continue
            # The last day counts in full: the phase ends at midnight after it.
            phases.append(
                {
                    "kind": kind.value,
                    "title": "",
                    "description": "",
                    "start": day_start(start),
                    "end": day_start(end + timedelta(days=1)),
                }
            )
        if not phases and not self.errors:
            self.add_error(None, _("A consultation needs at least one phase."))
        cleaned["phases"] = phases
        return cleaned

    def action_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                *CONSULTATION_FIELDS,
                "discussion_title",
                "survey_title",
                "publish",
                "phases",
            )
        }
