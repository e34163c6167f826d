"""Forms of the admin: the results statement and the discussion's phases (the word list's
entries are checked by its action, ``consultations.actions.word_list``)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from consultations.models import Phase


class PublishResultsForm(forms.Form):
    statement = forms.CharField(
        label=_("What became of your input"),
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=20000,
        help_text=_("Plain text; blank lines start new paragraphs, web addresses become links."),
    )


class DiscussionForm(WagtailAdminModelForm):
    """Phases to open a discussion in are phases of its own consultation: the list offers
    those of the consultation it belongs to (all, grouped by consultation, for a new one) and
    refuses others."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("open_in_phases")
        if field is None:
            return
        phases = Phase.objects.select_related("consultation").order_by("consultation", "start")
        if self.instance.consultation_id:
            phases = phases.filter(consultation_id=self.instance.consultation_id)
        field.queryset = phases
        field.label_from_instance = lambda phase: (
            f"{phase.consultation.title}: {phase.display_title} "
            f"({phase.start:%d.%m.%Y}–{phase.end:%d.%m.%Y})"
        )

    def clean(self):
        cleaned = super().clean()
        consultation = cleaned.get("consultation")
        phases = cleaned.get("open_in_phases") or []
        if consultation and any(phase.consultation_id != consultation.pk for phase in phases):
            self.add_error(
                "open_in_phases", _("Choose phases of this discussion's consultation only.")
            )
        return cleaned
