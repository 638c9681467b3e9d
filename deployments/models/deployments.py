"""Deployments: the agreed support, its objectives, and the steering group's watchlist of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from alliances.models import School, Specialism, SystemLeader
from deployments.models.offers import Offer
from deployments.models.requests import SupportRequest
from portal.tenancy.models import PartnershipOwned


class DeploymentStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for approval"
    REJECTED = "rejected", "Not approved"
    APPROVED = "approved", "Approved: waiting for the agreement to be confirmed"
    ACTIVE = "active", "Under way"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped early"
    CANCELLED = "cancelled", "Cancelled"


LIVE_DEPLOYMENT_STATUSES = (DeploymentStatus.PROPOSED, DeploymentStatus.APPROVED, DeploymentStatus.ACTIVE,
                            DeploymentStatus.PAUSED)


class RateKind(models.TextChoices):
    MEMBER = "member", "Member rate"
    NON_MEMBER = "non_member", "Non-member rate"


class Funder(models.TextChoices):
    CORE = "core", "Core entitlement (member school)"
    PACKAGE = "package", "A package the school bought"
    PAYG = "payg", "Pay as you go"
    SCHOOL = "school", "The supported school's budget"
    LA = "la", "The local authority"
    GRANT = "grant", "A DfE or national programme grant"
    OTHER = "other", "Another funder"


class Deployment(PartnershipOwned):
    """An approved, agreed piece of support: a system leader, a school, objectives, days, rate, funder, dates."""

    request = models.ForeignKey(SupportRequest, on_delete=models.PROTECT, related_name="+")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    leader = models.ForeignKey(SystemLeader, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=DeploymentStatus.choices, default=DeploymentStatus.PROPOSED)
    days = models.DecimalField(max_digits=4, decimal_places=1)
    rate_kind = models.CharField("rate", max_length=10, choices=RateKind.choices)
    day_rate = models.DecimalField(max_digits=7, decimal_places=2)
    funder = models.CharField(max_length=10, choices=Funder.choices)
    funder_note = models.CharField(max_length=200, blank=True)
    # The entitlement (core or a bought package) its confirmed visits draw days from, when it has one.
    entitlement = models.ForeignKey("programmes.Entitlement", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    start_date = models.DateField()
    end_date = models.DateField()
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    head_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+")
    head_confirmed_at = models.DateTimeField(null=True, blank=True)
    leader_confirmed_at = models.DateTimeField(null=True, blank=True)
    status_note = models.TextField(blank=True, help_text="Why it was paused, stopped or cancelled")
    closing_summary = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-proposed_at"]
        indexes = [
            models.Index(fields=["partnership", "status", "proposed_at"], name="deployment_status"),
            models.Index(fields=["partnership", "leader", "status"], name="deployment_leader"),
            models.Index(fields=["partnership", "school", "status"], name="deployment_school"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="deployment_dates_in_order"),
            models.CheckConstraint(condition=models.Q(days__gt=0), name="deployment_days_positive"),
            models.CheckConstraint(condition=models.Q(day_rate__gte=0), name="deployment_rate_not_negative"),
            models.UniqueConstraint(fields=["request"], condition=models.Q(status__in=LIVE_DEPLOYMENT_STATUSES),
                                    name="deployment_one_live_per_request"),
        ]

    def __str__(self) -> str:
        return f"Deployment {self.pk} of leader {self.leader_id} at {self.school_id}"

    @staticmethod
    def reference_for(pk: int) -> str:
        """How people refer to it ("D00042"), also for rows read without the model."""
        return f"D{pk:05d}"

    @property
    def reference(self) -> str:
        return self.reference_for(self.pk)

    @property
    def cost(self):
        return self.days * self.day_rate


class Objective(PartnershipOwned):
    """What a deployment sets out to do in one need area, and how everyone will know it worked."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(Specialism, on_delete=models.PROTECT, related_name="+")
    description = models.TextField()
    success_criteria = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]


class Watch(PartnershipOwned):
    """A deployment a member of the steering group keeps an eye on: it shows on their home page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "deployment"], name="watch_once")]
        indexes = [models.Index(fields=["partnership", "user"], name="watch_user")]
