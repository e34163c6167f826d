"""Forms of the admin: the word list's entries and the results statement."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from consultations.models import BlockedWord


class BlockedWordForm(WagtailAdminModelForm):
    """Entries are stored trimmed, with single spaces, and unique whatever their case (the
    word list matches case-insensitively, so "Idiot" and "idiot" would be the same entry)."""

    def clean_phrase(self):
        phrase = " ".join((self.cleaned_data.get("phrase") or "").split())
        if not phrase:
            raise forms.ValidationError(_("Please enter a word or phrase."))
        # Compared in Python: databases fold only ASCII case ("STRAẞE" is "straße").
        others = BlockedWord.objects.exclude(pk=self.instance.pk).values_list("phrase", flat=True)
        if any(other.casefold() == phrase.casefold() for other in others):
            raise forms.ValidationError(
                _("“%(phrase)s” is already on the word list.") % {"phrase": phrase}
            )
        return phrase


class PublishResultsForm(forms.Form):
    statement = forms.CharField(
        label=_("What became of your input"),
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=20000,
        help_text=_("Plain text; blank lines start new paragraphs, web addresses become links."),
    )
