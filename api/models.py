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


class WebhookEvent(models.TextChoices):
    REQUEST_SENT = "request.submitted", "A school sends a support request"
    DEPLOYMENT_APPROVED = "deployment.approved", "A deployment is approved"
    REVIEW_AGREED = "review.agreed", "A headteacher agrees a review"


class WebhookEndpoint(PartnershipOwned):
    """Where the partnership's chosen events are posted, signed with HMAC-SHA256 under `secret`.

    The secret is shown to the admin once; it is kept as it is (signing needs it), never shown again."""

    url = models.URLField("address", max_length=500)
    secret = models.CharField(max_length=80, editable=False)
    events = models.JSONField(default=list, help_text="Event codes it receives")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Webhook to {self.url}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Gave up"


class WebhookDelivery(PartnershipOwned):
    """The outbox row of one event for one endpoint: at most one per endpoint and event, sent until the receiver
    answers 2xx (retried with backoff), so each receiver gets each event once, with its event id as the key."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.BigIntegerField(help_text="The audit event's id: the receiver's idempotency key")
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_once_per_event")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_due")]
