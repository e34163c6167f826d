from django import forms
from django.utils.translation import gettext_lazy as _

from consultations import pseudonyms
from consultations.models import (
    COMMENT_MAX_LENGTH,
    District,
    RemovalReason,
    ReportReason,
    User,
)
from consultations.sanitising import clean_plain_text


class PseudonymField(forms.CharField):
    """A public name in its normal form, checked against every rule in consultations.pseudonyms
    except the reserved words (the forms decide when those apply) and availability."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Public name (pseudonym)"))
        kwargs.setdefault(
            "help_text",
            _(
                "Shown next to your contributions. Do not use your e-mail address. "
                "3 to 40 characters: letters, digits, spaces and _ - . '"
            ),
        )
        kwargs.setdefault("error_messages", {"required": pseudonyms.MESSAGES["required"]})
        # Lengths are checked after normalisation (pseudonyms.validate), not on the raw input.
        kwargs.setdefault("widget", forms.TextInput(attrs={"maxlength": pseudonyms.MAX_LENGTH}))
        super().__init__(**kwargs)

    def clean(self, value):
        return pseudonyms.validate(super().clean(value), allow_reserved=True)


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
        pseudonyms.check_reserved(pseudonym)
        pseudonyms.check_available(pseudonym)
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
        """Reserved words only bind a *new* name: the moderation team's account keeps its own.
        Availability is checked by the model (User.validate_constraints), as in the admin."""
        pseudonym = self.cleaned_data["pseudonym"]
        if pseudonyms.key(pseudonym) != pseudonyms.key(self.instance.pseudonym or ""):
            pseudonyms.check_reserved(pseudonym)
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
    # One per rendered form (and per attempt with JavaScript): a submission that arrives twice
    # (a retry after a lost answer) makes one comment.
    idempotency_key = forms.RegexField(
        regex=r"^[A-Za-z0-9-]{8,64}$", required=False, widget=forms.HiddenInput
    )


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


class QueueFilterForm(forms.Form):
    """The moderation queue's filters, sent by GET. A value that is not one of the choices
    (a consultation the person does not moderate, a made-up state) is reported and dropped,
    the same way whether that consultation exists or not."""

    consultation = forms.TypedChoiceField(
        label=_("Consultation"), coerce=int, required=False, empty_value=None
    )
    reason = forms.ChoiceField(label=_("Why"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    age = forms.ChoiceField(label=_("Waiting time"), required=False)
    sort = forms.ChoiceField(label=_("Order"), required=False)

    def __init__(self, data, *, consultations, reasons, states, ages, sorts):
        super().__init__(data)
        self.fields["consultation"].choices = [("", ""), *consultations]
        self.fields["reason"].choices = [("", ""), *reasons.items()]
        self.fields["state"].choices = [("", ""), *states.items()]
        self.fields["age"].choices = [("", ""), *ages.items()]
        self.fields["sort"].choices = [("", ""), *sorts.items()]
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = _(
                "This filter value is unknown or not yours to see; it is ignored."
            )

    def valid_values(self) -> dict:
        """The filters that were understood (an invalid field is left out, not the whole form)."""
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors and value not in ("", None)
        }
