from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from consultations import pseudonyms


class MitredenUserManager(UserManager):
    """Users sign in with their e-mail address; there is no separate user name."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        email = self.normalize_email(email)
        extra_fields.setdefault("pseudonym", email.split("@", 1)[0][:40])
        # Scripts and the demo loader name staff accounts ("Moderation") on purpose; every
        # other rule holds, and the unique look-alike key refuses confusable names.
        extra_fields["pseudonym"] = pseudonyms.validate(
            extra_fields["pseudonym"], allow_reserved=True
        )
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person with an account: shown publicly only by pseudonym unless they choose otherwise."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    pseudonym = models.CharField(
        _("public name"),
        max_length=pseudonyms.MAX_LENGTH,
        help_text=_("Shown next to your contributions instead of your real name."),
        validators=[pseudonyms.validate_pseudonym_field],
    )
    # The look-alike key of the pseudonym (see consultations/pseudonyms.py), unique so that
    # no two people can hold confusable names, however close two sign-ups come.
    pseudonym_key = models.CharField(max_length=200, editable=False, default="")
    show_real_name = models.BooleanField(
        _("show my real name"),
        default=False,
        help_text=_("Show your first and last name next to your pseudonym."),
    )
    district = models.ForeignKey(
        "consultations.District",
        verbose_name=_("district"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="residents",
    )
    # Where the person was going when they signed up (a local path), kept until the address
    # is confirmed, so a confirmation on another device can lead there after signing in.
    signup_next = models.CharField(max_length=500, blank=True, default="", editable=False)
    # The language the person reads the site in, chosen with the language switch; notices and
    # e-mails written without a request (by the worker) use it. Empty: the site's language.
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, blank=True, default=""
    )
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["pseudonym"]

    objects = MitredenUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(fields=["pseudonym_key"], name="user_pseudonym_key_unique"),
        ]

    def __str__(self):
        return self.public_name

    def save(self, *args, **kwargs):
        # A derived column, not behaviour: it must follow the pseudonym on every write path
        # (actions, admin forms, the manager), or the unique constraint would guard a stale key.
        self.pseudonym_key = pseudonyms.key(self.pseudonym)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "pseudonym" in update_fields:
            kwargs["update_fields"] = {*update_fields, "pseudonym_key"}
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.pseudonym = pseudonyms.normalise(self.pseudonym)

    def validate_constraints(self, exclude=None):
        """Admin and profile forms: say which name is too close instead of failing on save."""
        super().validate_constraints(exclude=exclude)
        if exclude and "pseudonym" in exclude:
            return
        try:
            pseudonyms.check_available(pseudonyms.normalise(self.pseudonym), exclude_pk=self.pk)
        except ValidationError as error:
            raise ValidationError({"pseudonym": error.error_list}) from error

    def has_perm(self, perm, obj=None):
        """Our named rules alone decide our app's permissions, for superusers too: Django
        would grant a superuser every permission, so "consultations.delete_comment" would be
        true through ``has_perm`` and false through the rule, and a record only actions write
        could be deleted in the admin. A ``consultations.`` name without a rule is refused;
        model permissions of our app are not read (cms migration 0008 took them from the
        groups). The exception is this model's own (``consultations.add_user``, ...): the
        account admin is Wagtail's, and it asks Django's permissions, as do Wagtail's pages,
        images, documents and admin access."""
        import rules

        if rules.perm_exists(perm):
            return bool(self.is_active and rules.has_perm(perm, self, obj))
        app_label, _, codename = perm.partition(".")
        _action, _, model_name = codename.partition("_")
        if app_label == self._meta.app_label and model_name != self._meta.model_name:
            return False
        return super().has_perm(perm, obj)

    @property
    def language(self) -> str:
        """The language to write to this person in (``preferred_language`` or the site's)."""
        from django.conf import settings

        known = {code for code, _name in settings.LANGUAGES}
        if self.preferred_language in known:
            return self.preferred_language
        return settings.LANGUAGE_CODE

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def public_name(self) -> str:
        """What other people see: never the e-mail address, the real name only by choice."""
        if self.is_deleted:
            return str(_("deleted account"))
        full_name = self.get_full_name()
        if self.show_real_name and full_name:
            return f"{full_name} ({self.pseudonym})"
        return self.pseudonym
