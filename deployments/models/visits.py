"""Visits: the days and half days a deployment delivers, and the capacity ledger they count against."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from alliances.models import SystemLeader
from deployments.models.deployments import Deployment
from deployments.models.offers import Offer
from portal.tenancy.models import PartnershipOwned


class VisitLength(models.TextChoices):
    WHOLE = "1.0", "Whole day"
    HALF = "0.5", "Half day"


class VisitStatus(models.TextChoices):
    LOGGED = "logged", "Waiting for the school to confirm"
    CONFIRMED = "confirmed", "Confirmed by the school"
    DISPUTED = "disputed", "Disputed: with the broker"
    REMOVED = "removed", "Removed by the broker"
    DELETED = "deleted", "Deleted by the system leader"
    VOIDED = "voided", "Void: the deployment closed before the school answered"


# Visits that no longer count: they hold no days and free their date for another visit.
NOT_COUNTED = (VisitStatus.REMOVED, VisitStatus.DELETED, VisitStatus.VOIDED)


class Visit(PartnershipOwned):
    """A day or half day delivered, logged by the system leader and confirmed (or disputed) by the school."""

    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="+")
    visit_date = models.DateField()
    days = models.DecimalField(max_digits=2, decimal_places=1, choices=[(Decimal(v), label) for v, label in VisitLength.choices])
    focus = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    override_reason = models.CharField(max_length=500, blank=True,
                                       help_text="Why a visit on a day that is not a school day counts")
    status = models.CharField(max_length=10, choices=VisitStatus.choices, default=VisitStatus.LOGGED)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.TextField(blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["visit_date", "pk"]
        indexes = [models.Index(fields=["partnership", "status"], name="visit_status")]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "visit_date"], condition=~models.Q(status__in=NOT_COUNTED),
                                    name="visit_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"Visit {self.pk} on {self.visit_date}"


class CapacityEntry(PartnershipOwned):
    """Days of a system leader's time promised in one term: held by an accepted offer, then committed by an
    approved deployment, finally trimmed to what was delivered when it closes. The ledger sums these."""

    leader = models.ForeignKey(SystemLeader, on_delete=models.CASCADE, related_name="+")
    term_key = models.CharField(max_length=20, help_text="Academic year and term, for example 2026-27 autumn")
    days = models.DecimalField(max_digits=5, decimal_places=1)
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["partnership", "term_key", "leader"], name="capacity_term_leader")]
        constraints = [
            models.CheckConstraint(condition=models.Q(days__gte=0), name="capacity_days_not_negative"),
            models.CheckConstraint(condition=models.Q(offer__isnull=False) | models.Q(deployment__isnull=False),
                                   name="capacity_has_a_cause"),
        ]
