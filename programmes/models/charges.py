"""Charges and credits: what a school owes, line by line, each in one financial year (1 April to 31 March)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from alliances.models import School
from portal.tenancy.models import PartnershipOwned
from programmes.models.catalogue import Service
from programmes.models.orders import OrderLine


class ChargeKind(models.TextChoices):
    ORDER = "order", "Order"
    PAYG = "payg", "Pay as you go"
    PLACE = "place", "Programme place"
    CREDIT = "credit", "Credit"


class ChargeLine(PartnershipOwned):
    """One amount on a school's statement. Credits are negative. An annual order line becomes two charge lines,
    7/12 in the financial year that holds September and 5/12 in the next (programmes.money.split_annual)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    academic_year = models.CharField(max_length=7)
    financial_year = models.CharField(max_length=7, help_text="1 April to 31 March, for example 2018-19")
    kind = models.CharField(max_length=10, choices=ChargeKind.choices)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=6, decimal_places=1, default=1)
    unit_price = models.DecimalField(max_digits=9, decimal_places=2)
    amount = models.DecimalField(max_digits=11, decimal_places=2)
    charge_date = models.DateField(help_text="The date the charge or credit applies; inside its financial year")
    invoice_date = models.DateField(help_text="When the partnership's invoice schedule bills it")
    # The cause in a higher app (a confirmed visit for pay as you go), named so this app does not import it.
    cause_type = models.CharField(max_length=20, blank=True)
    cause_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["charge_date", "pk"]
        indexes = [
            models.Index(fields=["partnership", "financial_year", "school"], name="charge_year_school"),
            models.Index(fields=["partnership", "school", "academic_year"], name="charge_school_academic"),
            # The finance export's order (programmes.finance.exports), so its 100,000 lines need no sort.
            models.Index(fields=["partnership", "financial_year", "invoice_date", "school", "charge_date", "id"],
                         name="charge_export_order"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "cause_type", "cause_id"],
                                    condition=models.Q(cause_id__isnull=False), name="charge_once_per_cause"),
        ]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


class SchoolYearCharges(PartnershipOwned):
    """The sums of a school's charge lines by financial year, academic year and service: what the finance page's
    totals per school and the take-up page's income add up, a few thousand rows where the lines are 100,000.

    Kept by triggers on `ChargeLine` in PostgreSQL (migration `programmes 0005`), in the same statement as every
    insert, change or delete of a line, whoever writes it, so the sums always equal the lines; on SQLite (the
    embedded `make run`) there are none and the pages sum the lines themselves. Never written by code."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    financial_year = models.CharField(max_length=7)
    academic_year = models.CharField(max_length=7)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    charged = models.DecimalField(max_digits=13, decimal_places=2, default=0)
    charge_lines = models.PositiveIntegerField(default=0)
    credited = models.DecimalField(max_digits=13, decimal_places=2, default=0)
    credit_lines = models.PositiveIntegerField(default=0)

    class Meta:
        # One row per (partnership, financial year, school, academic year, service), lines for no service sharing
        # one: a unique index with NULLs not distinct, made with the triggers (PostgreSQL only).
        indexes = [models.Index(fields=["partnership", "academic_year"], name="school_charges_academic")]

    def __str__(self) -> str:
        return f"{self.school_id} {self.financial_year}: {self.charged + self.credited}"
