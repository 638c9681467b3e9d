"""The catalogue: a partnership's services for one academic year, each sold at member and non-member prices.

A published service is never edited in place. Changing it makes a new version (same `lineage`, the next
`version`) and retires the old one; order lines keep pointing at the version they bought.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from portal.tenancy.models import PartnershipOwned


class CatalogueStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class CancellationRule(models.TextChoices):
    BEFORE_START = "before_start", "Until the service starts"
    NOTICE = "notice", "With a set number of days' notice"
    NONE = "none", "No cancellation once confirmed"


class InvoiceSchedule(models.TextChoices):
    """When the partnership invoices what schools owe: each charge line is billed on the first invoice date on
    or after the day it applies (programmes.money.invoice_date)."""

    TWICE_YEARLY = "twice_yearly", "Twice a year: 1 September and 1 April"
    TERMLY = "termly", "Each term: 1 September, 1 January and 1 April"
    MONTHLY = "monthly", "Monthly: the first of the month after"


class Catalogue(PartnershipOwned):
    """One partnership's catalogue of services for one academic year (seed 003: "services to schools 2018/19")."""

    academic_year = models.CharField(max_length=7, help_text="For example 2018-19")
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True, max_length=5000)
    status = models.CharField(max_length=10, choices=CatalogueStatus.choices, default=CatalogueStatus.DRAFT)
    cancellation_rule = models.CharField(max_length=20, choices=CancellationRule.choices,
                                         default=CancellationRule.BEFORE_START)
    cancellation_notice_days = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(365)],
        help_text="Days' notice a school must give to cancel, when the rule is a notice period")
    invoice_schedule = models.CharField(max_length=20, choices=InvoiceSchedule.choices,
                                        default=InvoiceSchedule.TWICE_YEARLY)
    renewal_deadline = models.DateField(null=True, blank=True,
                                        help_text="The date by which schools should renew for this year")
    copied_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uplift_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                         help_text="The uplift applied to prices when copied forward")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-academic_year"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "academic_year"], name="catalogue_one_per_year"),
        ]

    def __str__(self) -> str:
        return self.title


class ServiceKind(models.TextChoices):
    CORE = "core", "Core entitlement"
    LINK_PARTNER = "link_partner", "Link partner"
    PACKAGE = "package", "Package of days"
    PAYG_DAY = "payg_day", "Pay as you go, per day"
    PAYG_HALF_DAY = "payg_half_day", "Pay as you go, per half day"
    PROGRAMME_PLACE = "programme_place", "Programme place"
    OTHER = "other", "Other service"


# Kinds that give the school days to draw on when visits are confirmed.
DAY_KINDS = (ServiceKind.CORE, ServiceKind.LINK_PARTNER, ServiceKind.PACKAGE)
# Kinds charged per unit delivered rather than when ordered.
PAYG_KINDS = (ServiceKind.PAYG_DAY, ServiceKind.PAYG_HALF_DAY)


class ServiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Replaced by a newer version"
    WITHDRAWN = "withdrawn", "Withdrawn from sale"


class Service(PartnershipOwned):
    """A line of the catalogue: what a school can buy, who may buy it, what it includes and what it costs."""

    catalogue = models.ForeignKey(Catalogue, on_delete=models.PROTECT, related_name="+")
    lineage = models.UUIDField(default=uuid.uuid4, help_text="The same for every version of one service")
    version = models.PositiveSmallIntegerField(default=1)
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.DRAFT)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    terms = models.TextField(blank=True, max_length=5000, help_text="The terms a headteacher accepts when ordering")
    kind = models.CharField(max_length=20, choices=ServiceKind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    # Who may buy it. Empty phase or type lists mean every phase or type.
    phases = models.JSONField(default=list, blank=True, help_text="School phases that may buy it")
    school_type_groups = models.JSONField(default=list, blank=True,
                                          help_text="GIAS establishment type groups that may buy it")
    for_members = models.BooleanField(default=True)
    for_non_members = models.BooleanField(default=False)
    # What is included.
    days = models.DecimalField(max_digits=4, decimal_places=1, default=0, validators=[MinValueValidator(0)],
                               help_text="Days included (a package's or an entitlement's days; 0 for pay as you go)")
    half_days_allowed = models.BooleanField(default=True)
    annual = models.BooleanField(default=False,
                                 help_text="An annual charge, split 7/12 and 5/12 across the two financial years")
    # Prices in pounds. The academy price is only set when a partnership charges academies differently.
    member_price = models.DecimalField(max_digits=9, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    non_member_price = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True,
                                           validators=[MinValueValidator(0)])
    academy_price = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True,
                                        validators=[MinValueValidator(0)])
    order_opens = models.DateField(null=True, blank=True)
    order_closes = models.DateField(null=True, blank=True)
    starts_on = models.DateField(null=True, blank=True, help_text="When the service starts (for cancellation)")
    limit = models.PositiveIntegerField(null=True, blank=True, help_text="How many can be sold; empty for no limit")
    sold = models.PositiveIntegerField(default=0, help_text="Units on confirmed or waiting order lines")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["position", "name", "pk"]
        indexes = [models.Index(fields=["partnership", "catalogue", "status"], name="service_catalogue_status")]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="service_one_version_number"),
            models.UniqueConstraint(fields=["lineage"], condition=models.Q(status__in=["draft", "published"]),
                                    name="service_one_live_version"),
            models.CheckConstraint(condition=models.Q(limit__isnull=True) | models.Q(sold__lte=models.F("limit")),
                                   name="service_sold_within_limit"),
            models.CheckConstraint(condition=models.Q(order_closes__isnull=True) | models.Q(order_opens__isnull=True)
                                   | models.Q(order_closes__gte=models.F("order_opens")),
                                   name="service_window_in_order"),
            models.CheckConstraint(condition=models.Q(for_non_members=False) | models.Q(non_member_price__isnull=False),
                                   name="service_non_member_price_set"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def gives_days(self) -> bool:
        return self.kind in DAY_KINDS

    @property
    def is_payg(self) -> bool:
        return self.kind in PAYG_KINDS
