"""Orders: a headteacher's order of catalogue services for a school they lead, with prices frozen on its lines."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from alliances.models import School
from portal.tenancy.models import PartnershipOwned
from programmes.models.catalogue import Catalogue, Service


class OrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for the steering group to confirm"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"
    WITHDRAWN = "withdrawn", "Withdrawn by the school"


class Order(PartnershipOwned):
    """A school's order against one year's catalogue. The order's reference is O followed by its number."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    catalogue = models.ForeignKey(Catalogue, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    purchase_order = models.CharField("school's purchase order number", max_length=40, blank=True)
    payg_beyond_balance = models.BooleanField(
        default=False, help_text="The head agrees that support beyond the days bought is charged pay as you go")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=2000, help_text="Why it was declined; the head sees it")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["partnership", "status", "submitted_at"], name="order_status_submitted"),
            models.Index(fields=["partnership", "school", "catalogue"], name="order_school_catalogue"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"O{self.pk:05d}" if self.pk else "New order"


class PriceBasis(models.TextChoices):
    MEMBER = "member", "Member price"
    ACADEMY = "academy", "Academy member price"
    NON_MEMBER = "non_member", "Non-member price (includes the surcharge for schools outside the partnership)"


class OrderLineStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"


class OrderLine(PartnershipOwned):
    """One service on an order, at the price that applied to the school when the head sent it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(max_digits=9, decimal_places=2)
    price_basis = models.CharField(max_length=10, choices=PriceBasis.choices)
    price_reason = models.CharField(max_length=300, help_text="Why this price applies, as the head was shown it")
    total = models.DecimalField(max_digits=11, decimal_places=2)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=OrderLineStatus.choices, default=OrderLineStatus.ACTIVE)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["partnership", "service", "status"], name="orderline_service_status")]
        constraints = [
            models.UniqueConstraint(fields=["order", "service"], name="orderline_one_per_service"),
            models.CheckConstraint(condition=models.Q(total__gte=0) & models.Q(unit_price__gte=0),
                                   name="orderline_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × service {self.service_id} on order {self.order_id}"


class SchoolServiceOrders(PartnershipOwned):
    """How many active lines for a service a school has on its sent or confirmed orders against one catalogue: what
    the take-up page counts as the schools that ordered each service, a few thousand rows where the order lines are
    20,000 at scale.

    Kept by triggers on `Order` and `OrderLine` in PostgreSQL (migration `programmes 0006`), in the same statement as
    every insert, change or delete of a line and every change of an order, whoever writes them, so the counts
    always equal the lines; on SQLite (the embedded `make run`) there are none and the page reads the lines. A row
    whose lines are all gone stays at zero. Never written by code."""

    # CASCADE: a count can outlive its lines (at zero), and must not stop a school, catalogue or service going once
    # their orders have gone (the orders' and lines' own PROTECT still stops it while they are there).
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    catalogue = models.ForeignKey(Catalogue, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    lines = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partnership", "catalogue", "school", "service"],
                                               name="school_service_orders_once")]

    def __str__(self) -> str:
        return f"{self.school_id} service {self.service_id} in catalogue {self.catalogue_id}: {self.lines}"
