from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class MitredenUserManager(UserManager):
    """Users sign in with their e-mail address; there is no separate user name."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        email = self.normalize_email(email)
        extra_fields.setdefault("pseudonym", email.split("@", 1)[0][:40])
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
        max_length=40,
        help_text=_("Shown next to your contributions instead of your real name."),
    )
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
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["pseudonym"]

    objects = MitredenUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("pseudonym"), name="user_pseudonym_unique_ci"),
        ]

    def __str__(self):
        return self.public_name

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
