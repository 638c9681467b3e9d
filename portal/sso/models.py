from __future__ import annotations

from django.db import models

from portal.sso.config import PROVIDER_NAMES
from portal.tenancy.models import PartnershipOwned


class Provider(models.TextChoices):
    MICROSOFT = "microsoft", PROVIDER_NAMES["microsoft"]
    GOOGLE = "google", PROVIDER_NAMES["google"]


class SignInProvider(PartnershipOwned):
    """Whether a partnership lets its members sign in with one provider, from which email domains, and
    whether that provider's own second factor stands in for the portal's (staff roles)."""

    provider = models.CharField(max_length=20, choices=Provider.choices)
    allowed = models.BooleanField(default=False)
    # Lower-case domains, one a line ("school.org.uk"): the part of the verified email after the @, exactly.
    email_domains = models.TextField(blank=True)
    enforces_mfa = models.BooleanField(
        default=False,
        help_text="The provider makes every member from these domains use a second factor (Conditional Access, "
                  "2-Step Verification), so staff roles are not asked for the portal's too.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partnership", "provider"], name="sign_in_provider_one_each"),
        ]
        ordering = ["provider"]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} sign-in"

    @property
    def domains(self) -> list[str]:
        return [line.strip().lower() for line in self.email_domains.splitlines() if line.strip()]

    def allows(self, email: str) -> bool:
        domain = email.rpartition("@")[2].lower()
        return self.allowed and domain in self.domains
