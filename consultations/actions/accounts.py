from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from consultations import pseudonyms, registry
from consultations.models import ConsultationMembership, District, Notification, User

PROFILE_FIELDS = ["pseudonym", "first_name", "last_name", "show_real_name", "district"]


def update_profile(
    *,
    user: User,
    pseudonym: str,
    first_name: str = "",
    last_name: str = "",
    show_real_name: bool = False,
    district: District | None = None,
) -> User:
    """Change what a person shows publicly. Who: the person themselves (the view ensures it).

    Values arrive validated by ProfileForm (sanitised, pseudonym in its normal form and free).
    If someone took a look-alike name since, the unique key refuses it: ValidationError on
    ``pseudonym``, nothing changed. Broadcasts nothing.
    """
    previous = {field: getattr(user, field) for field in PROFILE_FIELDS}
    user.pseudonym = pseudonym
    user.first_name = first_name
    user.last_name = last_name
    user.show_real_name = show_real_name
    user.district = district
    try:
        with transaction.atomic():
            user.save(update_fields=PROFILE_FIELDS)
    except IntegrityError as error:
        for field, value in previous.items():
            setattr(user, field, value)
        user.pseudonym_key = pseudonyms.key(user.pseudonym)
        raise ValidationError({"pseudonym": pseudonyms.MESSAGES["taken"]}, code="taken") from error
    return user


def forget_signup_destination(*, user: User) -> str:
    """Return where the person was going when they signed up, and forget it.

    Who: the account adapter, when the e-mail address is confirmed or the person signs in.
    Writes ``User.signup_next`` (cleared). Broadcasts nothing.
    """
    destination = user.signup_next
    if destination:
        User.objects.filter(pk=user.pk).update(signup_next="")
        user.signup_next = ""
    return destination


def delete_account(*, user: User) -> User:
    """Delete a person's account for good, keeping their contributions as "deleted account".

    Who: the person themselves (after re-entering the password) or an admin. Removes every
    piece of personal data (e-mail addresses, names, district, roles, sessions, password) and
    keeps the row so contributions stay attributed to "deleted account". Broadcasts nothing.
    """
    if user.is_deleted:
        return user
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        EmailAddress.objects.filter(user=user).delete()
        ConsultationMembership.objects.filter(user=user).delete()
        user.groups.clear()
        user.user_permissions.clear()
        user.email = f"deleted-{user.pk}@deleted.invalid"
        user.pseudonym = f"deleted-{user.pk}"
        user.first_name = ""
        user.last_name = ""
        user.show_real_name = False
        user.signup_next = ""
        user.district = None
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.deleted_at = timezone.now()
        user.preferred_language = ""
        user.set_unusable_password()
        user.save()
        # Notices were addressed to the person alone; the decisions behind them stay recorded.
        Notification.objects.filter(recipient=user).delete()
        for module in registry.registered():
            module.on_account_deleted(user)
        _delete_sessions_of(user)
    return user


def _delete_sessions_of(user: User) -> None:
    """Log the person out everywhere (database sessions store the user id as a string)."""
    user_id = str(user.pk)
    stale = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == user_id
    ]
    Session.objects.filter(pk__in=stale).delete()
