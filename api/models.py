"""API tokens and their use.

A token's secret is shown once; only its SHA-256 is stored, with the first characters kept (`prefix`) so people can
tell their tokens apart. Use is logged as one row per token per day with a request count (`ApiTokenUsage`), and the
token's `last_used_at`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.tenancy.models import PartnershipOwned


class Resource(models.TextChoices):
    SCHOOLS = "schools", "Schools in the partnership"
    LEADERS = "leaders", "System leaders"
    REQUESTS = "requests", "Support requests"
    DEPLOYMENTS = "deployments", "Deployments"
    REVIEWS = "reviews", "Reviews: progress (RAG) and impact"
    DASHBOARD = "dashboard", "Dashboard figures"


TOKEN_PREFIX = "s2s_"


class ApiToken(PartnershipOwned):
    name = models.CharField(max_length=100, help_text="What uses it, for example the county's data warehouse")
    prefix = models.CharField(max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list, help_text="Resource codes the token may read")
    local_authorities = models.ManyToManyField("alliances.LocalAuthority", blank=True, related_name="+",
                                               help_text="Limits every resource to schools in these LAs; none: all")
    contacts = models.BooleanField(default=False, help_text="Whether system leaders' email and phone are included")
    expires_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"API token {self.prefix}… ({self.name})"

    def is_live(self, today) -> bool:
        return self.revoked_at is None and self.expires_on >= today

    def allows(self, resource: str) -> bool:
        return resource in self.scopes


class ApiTokenUsage(PartnershipOwned):
    """How many requests a token made on one day (Europe/London)."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    requests = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0, help_text="Requests refused by the rate limit")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "day"], name="api_usage_one_row_per_day")]
        ordering = ["-day"]
