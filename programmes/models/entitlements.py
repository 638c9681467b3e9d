"""Entitlements: the days a school holds for a year, from its core entitlement or from what it bought, and the
ledger of days drawn from them as the school confirms visits (and given back or released)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from alliances.models import School
from portal.tenancy.models import PartnershipOwned
from programmes.models.catalogue import Service
from programmes.models.orders import OrderLine


class EntitlementSource(models.TextChoices):
    CORE = "core", "Core entitlement (member school)"
    ORDER = "order", "Bought on an order"


class EntitlementStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"


class Entitlement(PartnershipOwned):
    """Days a school may draw on in one academic year. `used` is kept in step with the drawdown ledger under a
    row lock, and the database refuses a balance below zero."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    academic_year = models.CharField(max_length=7)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=EntitlementSource.choices)
    order_line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    days = models.DecimalField(max_digits=5, decimal_places=1)
    used = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    # Days promised to approved deployments and not yet drawn: two deployments cannot promise the same days.
    held = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    status = models.CharField(max_length=10, choices=EntitlementStatus.choices, default=EntitlementStatus.ACTIVE)
    granted_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["academic_year", "pk"]
        indexes = [models.Index(fields=["partnership", "school", "academic_year"], name="entitlement_school_year")]
        constraints = [
            models.CheckConstraint(condition=models.Q(used__gte=0) & models.Q(used__lte=models.F("days")),
                                   name="entitlement_balance_not_negative"),
            models.CheckConstraint(condition=models.Q(held__gte=0) & models.Q(held__lte=models.F("days") - models.F("used")),
                                   name="entitlement_held_within_balance"),
            # A core entitlement is granted once per school and year, however often publishing is retried.
            models.UniqueConstraint(fields=["school", "academic_year", "service"],
                                    condition=models.Q(source="core"), name="entitlement_one_core_grant"),
        ]

    def __str__(self) -> str:
        return f"Entitlement {self.pk} ({self.days} days, {self.academic_year})"

    @property
    def balance(self):
        return self.days - self.used

    @property
    def free(self):
        """Days neither drawn nor promised to a deployment."""
        return self.days - self.used - self.held


class DrawdownKind(models.TextChoices):
    HOLD = "hold", "Held for an approved deployment"
    DRAW = "draw", "Drawn by a confirmed visit"
    GIVE_BACK = "give_back", "Given back: a dispute settled against the visit"
    RELEASE = "release", "Released: the deployment closed"


class Drawdown(PartnershipOwned):
    """One movement on an entitlement's ledger. `days` changes `used` (positive for a draw, negative for a
    give-back) and `held` changes `held` (a hold adds, a draw uses the deployment's hold, a release ends it), so
    the entitlement's counters are always the sums of its rows. The cause is a row of a higher app (a visit or a
    deployment), named by kind and id so this app does not import it; the unique key makes each cause count once.
    `holder` names the deployment whose hold a movement belongs to ("deployment:12")."""

    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=DrawdownKind.choices)
    days = models.DecimalField(max_digits=5, decimal_places=1)
    cause_type = models.CharField(max_length=20, help_text="What caused it, for example visit or deployment")
    cause_id = models.PositiveBigIntegerField()
    held = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    holder = models.CharField(max_length=40, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["partnership", "cause_type", "cause_id"], name="drawdown_cause"),
                   models.Index(fields=["entitlement", "holder"], name="drawdown_holder")]
        constraints = [
            models.UniqueConstraint(fields=["entitlement", "kind", "cause_type", "cause_id"],
                                    name="drawdown_once_per_cause"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.days} days"
