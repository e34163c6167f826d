"""allauth integration: how sign-up fills our user model, and what account mails say.

Kept to hooks allauth documents on ``DefaultAccountAdapter``; one concern per section.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext

from consultations import pseudonyms, site_identity
from consultations.actions import accounts as account_actions
from consultations.tasks import mail as mail_tasks

EMAIL_CONFIRMED_MESSAGE = "account/messages/email_confirmed.txt"


@dataclass(frozen=True)
class MailSite:
    """What allauth's mail templates call ``current_site``: our name and public host."""

    name: str
    domain: str


def on_base_url(value):
    """An absolute http(s) link built from the request, moved onto BASE_URL.

    Links in mails must not depend on the host a request came in by (a proxy's address,
    ``127.0.0.1:8501``, a forged Host header). Anything else is returned unchanged.
    """
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return value
    parts = urlsplit(value)
    if not parts.netloc or " " in value:
        return value
    base = urlsplit(site_identity.base_url())
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


def local_path_or_empty(url: str | None, *, max_length: int = 500) -> str:
    """``url`` if it is a path on this site ("/beteiligungen/x/"), else "" (no other hosts,
    no scheme-relative "//host", no "javascript:")."""
    url = (url or "").strip()
    if (
        not url.startswith("/")
        or url.startswith(("//", "/\\"))
        or len(url) > max_length
        or not url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    ):
        return ""
    return url


class AccountAdapter(DefaultAccountAdapter):
    # --- Sign-up ---------------------------------------------------------------------------

    def save_user(self, request, user, form, commit=True):
        """Take the pseudonym and district from the sign-up form (validated there), and where
        the person was going, so a confirmation in another browser can lead back there."""
        user = super().save_user(request, user, form, commit=False)
        user.pseudonym = form.cleaned_data["pseudonym"]
        user.district = form.cleaned_data.get("district")
        user.signup_next = local_path_or_empty(request.POST.get("next") or request.GET.get("next"))
        if commit:
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError as error:
                # Someone took a look-alike name between the form's check and this insert.
                taken = type(user).objects.filter(pseudonym_key=user.pseudonym_key).exists()
                if not taken:
                    raise
                form.add_error("pseudonym", pseudonyms.MESSAGES["taken"])
                raise ImmediateHttpResponse(self._signup_again(request, form, user)) from error
        return user

    def _signup_again(self, request, form, user):
        """The sign-up page with the form's errors, keeping where the person was going."""
        login_url = reverse("account_login")
        redirect_field = ""
        if user.signup_next:
            login_url += "?" + urlencode({"next": user.signup_next}, safe="/")
            redirect_field = format_html(
                '<input type="hidden" name="next" value="{}">', user.signup_next
            )
        context = {"form": form, "login_url": login_url, "redirect_field": redirect_field}
        return render(request, "account/signup.html", context)

    # --- Mails -----------------------------------------------------------------------------

    def send_mail(self, template_prefix, email, context):
        """Every account mail: greet with the site's name, every link on BASE_URL; rendered
        here (the request's language), sent by the worker once the transaction commits."""
        context = {key: on_base_url(value) for key, value in context.items()}
        context["current_site"] = MailSite(
            name=site_identity.platform_name(), domain=site_identity.base_domain()
        )
        # As allauth's own send_mail, which would send at once.
        context = {"request": allauth_context.request, "email": email, **context}
        mail_tasks.send_after_commit(self.render_mail(template_prefix, email, context))

    def format_email_subject(self, subject):
        """allauth falls back to the request's host when no prefix is set: use our name."""
        if app_settings.EMAIL_SUBJECT_PREFIX is None:
            return f"[{site_identity.platform_name()}] {subject}"
        return super().format_email_subject(subject)

    # --- E-mail confirmation ---------------------------------------------------------------

    def add_message(
        self,
        request,
        level,
        message_template=None,
        message_context=None,
        extra_tags="",
        message=None,
    ):
        """Hold back "you confirmed …" for a signed-out browser: allauth signs the person in
        right after if this browser signed up, else we say "confirmed, please sign in"."""
        if message_template == EMAIL_CONFIRMED_MESSAGE and not request.user.is_authenticated:
            request._mitreden_confirmed = (level, message_context)
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def post_login(self, request, user, **kwargs):
        held = getattr(request, "_mitreden_confirmed", None)
        if held is not None:
            del request._mitreden_confirmed
            self.add_message(request, held[0], EMAIL_CONFIRMED_MESSAGE, held[1])
        if user.signup_next:
            account_actions.forget_signup_destination(user=user)
        return super().post_login(request, user, **kwargs)

    def get_email_verification_redirect_url(self, email_address):
        """Confirmed in a browser that is not signed in (the phone's mail app): say so and
        send the person to the login, then on to where they signed up from."""
        if self.request.user.is_authenticated:
            return super().get_email_verification_redirect_url(email_address)
        if hasattr(self.request, "_mitreden_confirmed"):
            del self.request._mitreden_confirmed
        messages.success(self.request, gettext("Your address is confirmed, please sign in."))
        destination = account_actions.forget_signup_destination(user=email_address.user)
        login_url = reverse("account_login")
        if destination:
            login_url += "?" + urlencode({"next": destination}, safe="/")
        return login_url
