from __future__ import annotations

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with their email address. Platform operators are `is_staff`."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    name = models.CharField("full name", max_length=150, blank=True)
    # Bumped to end every session of this user at once (deactivation, "sign out everywhere").
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    # Text-message reminders (portal/accounts/profile.py): a UK mobile number in +447... form, and when the
    # person agreed to reminders on it (empty: they have not, or they stopped them).
    mobile_number = models.CharField("mobile phone number", max_length=13, blank=True)
    sms_opted_in_at = models.DateTimeField("text reminders agreed on", null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def wants_text_reminders(self) -> bool:
        return bool(self.mobile_number and self.sms_opted_in_at)

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email

    def _get_session_auth_hash(self, secret=None) -> str:
        # Django checks this hash on every request; including the generation means bumping it
        # invalidates every existing session of the user, wherever it is stored.
        return salted_hmac(
            "portal.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()
