"""Offers: one system leader asked to take on one request."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from alliances.models import SystemLeader
from deployments.models.requests import SupportRequest
from portal.tenancy.models import PartnershipOwned


class OfferStatus(models.TextChoices):
    OPEN = "open", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"
    RELEASED = "released", "Released (the deployment was not approved)"


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", "I do not have the capacity"
    MISMATCH = "mismatch", "My specialisms do not fit the need"
    CONFLICT = "conflict", "I have a conflict of interest"
    OTHER = "other", "Another reason"


class Offer(PartnershipOwned):
    """One system leader asked to take on one request."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="+")
    leader = models.ForeignKey(SystemLeader, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The match score when it was offered")
    override_reason = models.TextField(blank=True, help_text="Why it was offered although matching excluded the leader")
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=12, choices=DeclineReason.choices, blank=True)
    response_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partnership", "status", "expires_at"], name="offer_status_expiry")]
        constraints = [
            models.UniqueConstraint(fields=["request", "leader"], condition=models.Q(status="open"),
                                    name="offer_one_open_per_leader"),
            models.UniqueConstraint(fields=["request"], condition=models.Q(status="accepted"),
                                    name="offer_one_accepted_per_request"),
        ]

    def __str__(self) -> str:
        return f"Offer {self.pk} of request {self.request_id} to leader {self.leader_id}"

    @staticmethod
    def reference_for(pk: int) -> str:
        """How people refer to it ("O00042"), also for rows read without the model."""
        return f"O{pk:05d}"

    @property
    def reference(self) -> str:
        return self.reference_for(self.pk)
