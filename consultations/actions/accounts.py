from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from consultations import pseudonyms, registry, roles
from consultations.actions import ActionError, PermissionDenied
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


def _clean_email(email: str) -> str:
    """A valid address that no account uses yet, in any case (also as a second address)."""
    email = User.objects.normalize_email((email or "").strip())
    try:
        validate_email(email)
    except ValidationError as error:
        raise ActionError(_("Enter a valid e-mail address."), code="email") from error
    taken = User.objects.filter(email__iexact=email).exists()
    if taken or EmailAddress.objects.filter(email__iexact=email).exists():
        raise ActionError(_("An account with this e-mail address exists already."), code="email")
    return email


def _clean_pseudonym(pseudonym: str) -> str:
    """The normal form, free of look-alikes; reserved words are allowed (staff name official
    accounts on purpose, as ``createsuperuser`` and the admin may)."""
    try:
        pseudonym = pseudonyms.validate(pseudonym, allow_reserved=True)
        pseudonyms.check_available(pseudonym)
    except ValidationError as error:
        raise ActionError(" ".join(error.messages), code="pseudonym") from error
    return pseudonym


def create_account(
    *,
    created_by: User | None,
    email: str,
    password: str,
    pseudonym: str,
    verified: bool,
    district: District | None = None,
    staff: bool = False,
    superuser: bool = False,
    demo_data: bool = False,
) -> User:
    """Create an account with its e-mail address (verified or waiting for confirmation).

    Who: people who may add users in Wagtail's user admin (``consultations.add_user``; a
    staff account or an admin takes an admin), or a script on the server
    (``created_by=None``: the demo loader creating its first admin, as ``createsuperuser``
    would). People signing up go through allauth's form instead, which validates the same
    way and sends the confirmation mail.

    The e-mail address and the pseudonym are always validated (an invalid address, one that
    any account already uses, or a look-alike name: ActionError, nothing written). The
    password meets ``AUTH_PASSWORD_VALIDATORS`` unless ``demo_data``: the demo accounts share
    one published password ("mitreden-demo", too close to their ``.test`` addresses for the
    similarity validator), which no validator could make safe; the flag keeps that exception
    visible where it is used.

    Writes the user, its primary allauth ``EmailAddress`` and a ``wagtail.create`` audit
    entry (as Wagtail's own user admin does), all or nothing. Broadcasts nothing.
    """
    if created_by is not None:
        if not created_by.has_perm("consultations.add_user"):
            raise PermissionDenied()
        if (staff or superuser) and not created_by.is_superuser:
            raise PermissionDenied()
    email = _clean_email(email)
    pseudonym = _clean_pseudonym(pseudonym)
    if not demo_data:
        try:
            validate_password(password, User(email=email, pseudonym=pseudonym))
        except ValidationError as error:
            raise ActionError(" ".join(error.messages), code="password") from error
    create = User.objects.create_superuser if superuser else User.objects.create_user
    try:
        with transaction.atomic():
            user = create(
                email=email,
                password=password,
                pseudonym=pseudonym,
                district=district,
                is_staff=staff or superuser,
            )
            EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
            log(instance=user, action="wagtail.create", user=created_by, content_changed=True)
    except IntegrityError as error:  # a second request with the same address or name at once
        raise ActionError(_("The account could not be created."), code="integrity") from error
    return user


def grant_site_role(*, admin: User, user: User, role: str) -> User:
    """Put a person in a site-wide role's group (``consultations.roles``: editors, site
    moderators, council organisers).

    Who: people who may change accounts (``consultations.change_user``, which Wagtail's user
    admin asks too). Writes the group membership and a ``wagtail.edit`` audit entry on the
    person; nothing when they have the role already. Broadcasts nothing: the person's next
    request asks the rules again.
    """
    if not admin.has_perm("consultations.change_user"):
        raise PermissionDenied()
    if role not in roles.SITE_ROLE_GROUPS:
        raise ActionError(_("Choose a role."), code="role")
    if not user.is_active or user.is_deleted:
        raise ActionError(_("This account can no longer be given a role."), code="user")
    group = Group.objects.get(name=role)
    with transaction.atomic():
        if user.groups.filter(pk=group.pk).exists():
            return user
        user.groups.add(group)
        log(
            instance=user,
            action="wagtail.edit",
            user=admin,
            data={"site_role": role},
            content_changed=True,
        )
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
