"""allauth integration: how sign-up fills our user model."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Take the pseudonym and district from the sign-up form (validated there)."""
        user = super().save_user(request, user, form, commit=False)
        user.pseudonym = form.cleaned_data["pseudonym"]
        user.district = form.cleaned_data.get("district")
        if commit:
            user.save()
        return user
