"""How wrong passwords are slowed down without locking the owner out of their account.

allauth's own limit ("5 wrong passwords lock the account for 5 minutes") let anyone keep every
moderator out, from anywhere. Instead, failed sign-ins are counted three ways (numbers in
settings and the README, "Login policy"):

- per client address, whatever the account (``LOGIN_FAILURES_PER_ADDRESS``): one machine
  cannot try passwords against many accounts;
- per account and client address (``LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS``): one machine
  cannot guess one account's password; the owner elsewhere is not affected;
- per account (``LOGIN_FAILURES_PER_ACCOUNT``), from anywhere: above this ceiling only a
  device that signed in to the account successfully before (it carries a signed cookie) may
  still try; everybody else is offered a password reset. Setting a new password starts the
  count afresh.

Every limit is checked before the password (in ``pre_authenticate``, as allauth does), so an
attacker over a limit learns nothing about the password. Addresses come from
``participation.client_addresses.client_ip``. The counters live in the cache; while Redis is
away they count in each process's memory (``participation.cache``), never not at all.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.html import format_html
from django.utils.translation import gettext

from participation.client_addresses import client_ip, counted_network

DEVICE_COOKIE = "mitreden_device"
DEVICE_SALT = "mitreden.login.known-device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600
# Accounts remembered per device (a shared family computer).
DEVICE_ACCOUNTS = 5


def _digest(value: str) -> str:
    """Keyed with SECRET_KEY: neither cache keys nor the cookie reveal an address or e-mail."""
    return salted_hmac("mitreden.login-policy", value, algorithm="sha256").hexdigest()[:32]


def _login_of(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "").strip().lower()


def _keys(request, login: str) -> dict[str, str]:
    address, account = _digest(counted_network(client_ip(request))), _digest(login)
    return {
        "address": f"login-policy:address:{address}",
        "pair": f"login-policy:pair:{account}:{address}",
        "account": f"login-policy:account:{account}",
    }


def _limits() -> dict[str, tuple[int, int]]:
    """(failures allowed, window in seconds) per counter."""
    window = settings.LOGIN_FAILURE_WINDOW_MINUTES * 60
    return {
        "address": (settings.LOGIN_FAILURES_PER_ADDRESS, window),
        "pair": (settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS, window),
        "account": (
            settings.LOGIN_FAILURES_PER_ACCOUNT,
            settings.LOGIN_ACCOUNT_WINDOW_HOURS * 3600,
        ),
    }


def _device_token(login: str) -> str:
    return _digest(f"device:{login.strip().lower()}")


def known_device_logins(request) -> list[str]:
    """Tokens of the accounts this browser signed in to before (from the signed cookie)."""
    try:
        value = request.get_signed_cookie(
            DEVICE_COOKIE, salt=DEVICE_SALT, max_age=DEVICE_COOKIE_AGE
        )
    except (KeyError, signing.BadSignature):
        return []
    tokens = value.split(".") if value else []
    return [token for token in tokens if len(token) == 32][:DEVICE_ACCOUNTS]


def is_known_device(request, login: str) -> bool:
    return _device_token(login) in known_device_logins(request)


def remember_device(request, response, *logins: str) -> None:
    """Mark this browser as one the account signed in from (called after a sign-in)."""
    new = list(dict.fromkeys(_device_token(login) for login in logins if login))
    tokens = new + [t for t in known_device_logins(request) if t not in new]
    response.set_signed_cookie(
        DEVICE_COOKIE,
        ".".join(tokens[:DEVICE_ACCOUNTS]),
        salt=DEVICE_SALT,
        max_age=DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def refusal(request, login: str) -> str | None:
    """Why this sign-in attempt is refused before its password is looked at, or None."""
    keys, limits = _keys(request, login), _limits()
    counts = cache.get_many(list(keys.values()))

    def over(name: str) -> bool:
        return (counts.get(keys[name]) or 0) >= limits[name][0]

    reset_url = reverse("account_reset_password")
    if over("address"):
        return gettext(
            "Too many failed sign-ins from your network. Please wait %(minutes)s minutes and "
            "try again."
        ) % {"minutes": settings.LOGIN_FAILURE_WINDOW_MINUTES}
    if over("account") and not is_known_device(request, login):
        return format_html(
            gettext(
                "This account is protected after many failed sign-ins: it can only be signed "
                "in to from a device that was used for it before. To sign in here, please "
                '<a href="{url}">reset your password</a>.'
            ),
            url=reset_url,
        )
    if over("pair"):
        return format_html(
            gettext(
                "Too many failed sign-ins for this account. Please wait {minutes} minutes, or "
                '<a href="{url}">reset your password</a>.'
            ),
            minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES,
            url=reset_url,
        )
    return None


def record_failure(request, login: str) -> None:
    limits = _limits()
    for name, key in _keys(request, login).items():
        window = limits[name][1]
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, timeout=window)


def forget_failures_of_account(login: str) -> None:
    """A new password was set: the account's ceiling starts afresh (address limits stay)."""
    cache.delete(f"login-policy:account:{_digest(login.strip().lower())}")


class LoginPolicyMixin:
    """The policy above, for an allauth ``DefaultAccountAdapter``."""

    def get_client_ip(self, request) -> str:
        # Every allauth limit (sign-up, password reset, ...) counts by the same address.
        return client_ip(request)

    def pre_authenticate(self, request, **credentials):
        from django import forms

        super().pre_authenticate(request, **credentials)
        message = refusal(request, _login_of(credentials))
        if message:
            raise forms.ValidationError(message, code="too_many_login_attempts")

    def authentication_failed(self, request, **credentials):
        super().authentication_failed(request, **credentials)
        record_failure(request, _login_of(credentials))

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        if response is not None:
            remember_device(request, response, kwargs.get("email") or "", user.email)
        return response

    def set_password(self, user, password) -> None:
        super().set_password(user, password)
        from allauth.account.models import EmailAddress

        emails = {user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=1)}
        for email in filter(None, emails):
            forget_failures_of_account(email)


# The adapter allauth uses (``ACCOUNT_ADAPTER``): the policy on top of our sign-up adapter.
from consultations.accounts import AccountAdapter as _SignupAdapter  # noqa: E402


class AccountAdapter(LoginPolicyMixin, _SignupAdapter):
    """``consultations.accounts.AccountAdapter`` with the login policy of this module."""
