"""The Wagtail admin's account forms, with the public name (pseudonym).

Wagtail 8 no longer reads ``WAGTAIL_USER_CUSTOM_FIELDS``: without these forms, accounts made
in the admin had an empty public name, and the second such account failed on the unique
look-alike key. The field follows the model's rules (``consultations.pseudonyms``: normal
form, characters, length, one script, no look-alike of an existing name); staff may give an
official account a reserved name ("Redaktion") on purpose.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet

from consultations import pseudonyms


class _PseudonymFieldMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["pseudonym"]
        field.error_messages["required"] = pseudonyms.MESSAGES["required"]
        field.help_text = _(
            "Shown next to this person's contributions. 3 to 40 characters: letters, digits, "
            "spaces and _ - . ' (reserved words such as “Redaktion” only for official accounts)."
        )

    def clean_pseudonym(self):
        return pseudonyms.normalise(self.cleaned_data["pseudonym"])


class AccountCreationForm(_PseudonymFieldMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | {"pseudonym"}


class AccountEditForm(_PseudonymFieldMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | {"pseudonym"}


class AccountViewSet(UserViewSet):
    def get_form_class(self, for_update=False):
        return AccountEditForm if for_update else AccountCreationForm
