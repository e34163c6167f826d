from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.models import (
    COMMENT_MAX_LENGTH,
    District,
    RemovalReason,
    ReportReason,
    User,
)
from consultations.sanitising import clean_plain_text


class PseudonymField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Public name (pseudonym)"))
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("min_length", 3)
        kwargs.setdefault(
            "help_text",
            _("Shown next to your contributions. Do not use your e-mail address."),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = clean_plain_text(super().clean(value))
        if "@" in value:
            raise forms.ValidationError(_("A public name must not contain an e-mail address."))
        return value


def pseudonym_taken(pseudonym: str, *, exclude_pk=None) -> bool:
    qs = User.objects.filter(pseudonym__iexact=pseudonym)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


class SignupDetailsForm(forms.Form):
    """Fields allauth's sign-up form gets in addition to e-mail and password."""

    pseudonym = PseudonymField()
    district = forms.ModelChoiceField(
        label=_("District (optional)"),
        queryset=District.objects.all(),
        required=False,
        help_text=_("Helps the town see whether all parts of town take part."),
    )
    accept_privacy = forms.BooleanField(
        label=_(
            "I have read the privacy policy and agree to my data being processed as described."
        ),
        required=True,
    )

    def clean_pseudonym(self):
        pseudonym = self.cleaned_data["pseudonym"]
        if pseudonym_taken(pseudonym):
            raise forms.ValidationError(_("This public name is already taken."))
        return pseudonym

    def signup(self, request, user):
        """Called by allauth after the user was saved; the adapter already set the fields."""


class ProfileForm(forms.ModelForm):
    pseudonym = PseudonymField()

    class Meta:
        model = User
        fields = ["pseudonym", "first_name", "last_name", "show_real_name", "district"]
        labels = {"district": _("District (optional)")}

    def clean_pseudonym(self):
        pseudonym = self.cleaned_data["pseudonym"]
        if pseudonym_taken(pseudonym, exclude_pk=self.instance.pk):
            raise forms.ValidationError(_("This public name is already taken."))
        return pseudonym

    def clean_first_name(self):
        return clean_plain_text(self.cleaned_data["first_name"])

    def clean_last_name(self):
        return clean_plain_text(self.cleaned_data["last_name"])


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is deleted for good."), required=True
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_MAX_LENGTH}),
        max_length=COMMENT_MAX_LENGTH,
        help_text=_("Plain text; links are recognised. Please stay civil and on topic."),
        error_messages={
            "required": _("Please write something before sending."),
            "max_length": _("Your comment is too long: at most %(limit_value)d characters."),
        },
    )
    reply_to = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with this comment?"),
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Details (required for “other”)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
    )


class HideForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason (shown publicly)"),
        choices=[("", _("Choose a reason")), *RemovalReason.choices],
    )
    note = forms.CharField(
        label=_("Note to the author (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
    )


class BlockForm(forms.Form):
    SCOPE_CONSULTATION = "consultation"
    SCOPE_SITE = "site"

    scope = forms.ChoiceField(
        label=_("Where"),
        choices=[
            (SCOPE_CONSULTATION, _("in this consultation")),
            (SCOPE_SITE, _("everywhere on the site")),
        ],
        widget=forms.RadioSelect,
        initial=SCOPE_CONSULTATION,
    )
    until = forms.DateField(
        label=_("Until (leave empty for an indefinite block)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=RemovalReason.choices)
    note = forms.CharField(label=_("Note to the person (optional)"), required=False, max_length=500)
