"""Support requests: what a school asks for, one question at a time, and its need areas."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from alliances.models import School, Specialism
from portal.tenancy.models import PartnershipOwned


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for the steering group"
    TRIAGED = "triaged", "Taken on: finding a system leader"
    MATCHED = "matched", "System leader found: support being arranged"
    DECLINED = "declined", "Not taken on"
    WITHDRAWN = "withdrawn", "Withdrawn"


class RequestProgress(models.TextChoices):
    """Where a request is, as pages, filters, exports and dashboards show it (`deployments.progress` derives it):
    its status until a system leader accepts, then its deployment's (the same values), to the end."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for the steering group"
    TRIAGED = "triaged", "Taken on: finding a system leader"
    MATCHED = "matched", "System leader found: deployment being drawn up"
    PROPOSED = "proposed", "Deployment proposed: waiting for approval"
    APPROVED = "approved", "Deployment approved: agreement being confirmed"
    ACTIVE = "active", "Support under way"
    PAUSED = "paused", "Support paused"
    COMPLETED = "completed", "Closed: support completed"
    STOPPED = "stopped", "Closed: support stopped early"
    CANCELLED = "cancelled", "Closed: deployment cancelled"
    DECLINED = "declined", "Closed: not taken on"
    WITHDRAWN = "withdrawn", "Closed: withdrawn"


class SupportLevel(models.TextChoices):
    ADVICE = "advice", "Advice and signposting"
    TARGETED = "targeted", "Targeted support"
    INTENSIVE = "intensive", "Intensive support"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine: within the next term"
    SOON = "soon", "Soon: within a few weeks"
    URGENT = "urgent", "Urgent: as soon as possible"


class FundingRoute(models.TextChoices):
    CORE = "core", "Our core entitlement as a member school"
    PACKAGE = "package", "A package we bought from the catalogue"
    PAYG = "payg", "Pay as you go"
    SCHOOL = "school", "Our school budget"
    LA = "la", "The local authority"
    GRANT = "grant", "A DfE or national programme grant"
    OTHER = "other", "Other or not sure yet"


class SupportRequest(PartnershipOwned):
    """A school's request for support, written by its headteacher one question at a time."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT)
    needs = models.ManyToManyField(Specialism, through="RequestNeed", related_name="+")
    context = models.TextField("what is going on", blank=True)
    success = models.TextField("what good would look like", blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, blank=True)
    days_wanted = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    preferred_start = models.DateField(null=True, blank=True)
    # With the start, the dates the support is wanted for: its days spread over the terms they fall in.
    preferred_end = models.DateField(null=True, blank=True)
    funding_route = models.CharField(max_length=10, choices=FundingRoute.choices, blank=True)
    # The head's choice of which of the school's entitlements pays, when the funding is core or a package.
    entitlement = models.ForeignKey("programmes.Entitlement", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    # The head's consent that confirmed visits beyond the entitlement's balance are charged as pay as you go
    # (at the deployment's day rate) instead of being refused.
    payg_beyond_balance = models.BooleanField(default=False)
    consent_to_share = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.TextField(blank=True)
    support_level = models.CharField(max_length=10, choices=SupportLevel.choices, blank=True)
    assigned_broker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+")
    triage_note = models.TextField(blank=True, help_text="Why it was taken on or not; the headteacher sees it")
    triaged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partnership", "status", "submitted_at"], name="request_queue")]
        constraints = [
            models.CheckConstraint(condition=models.Q(days_wanted__isnull=True) | models.Q(days_wanted__gt=0),
                                   name="request_days_positive"),
        ]

    def __str__(self) -> str:
        return f"Request {self.pk} from {self.school_id}"

    @staticmethod
    def reference_for(pk: int) -> str:
        """How people refer to it ("R00042"), also for rows read without the model."""
        return f"R{pk:05d}"

    @property
    def reference(self) -> str:
        return self.reference_for(self.pk)

    def get_progress_display(self) -> str:
        """Where the request is, in words. Needs the `progress` that `deployments.progress.with_progress` adds:
        the stored status alone stops at "matched"."""
        return RequestProgress(self.progress).label


class RequestNeed(PartnershipOwned):
    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="+")
    specialism = models.ForeignKey(Specialism, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "specialism"], name="request_need_once")]
