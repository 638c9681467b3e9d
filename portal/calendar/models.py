from __future__ import annotations

from django.db import models

from portal.formats import date_text
from portal.tenancy.models import PartnershipOwned


class PeriodKind(models.TextChoices):
    TERM = "term", "Term"
    HALF_TERM = "half_term", "Half term"
    HOLIDAY = "holiday", "Holiday"


class TermName(models.TextChoices):
    AUTUMN = "autumn", "Autumn"
    SPRING = "spring", "Spring"
    SUMMER = "summer", "Summer"


class CalendarPeriod(PartnershipOwned):
    """A term, half term or holiday in a partnership's academic year (1 September to 31 August).

    Half terms lie inside their term; holidays lie between terms. Reviews and reminders follow these.
    """

    academic_year = models.CharField(max_length=7, help_text="For example 2026-27")
    kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    term = models.CharField(max_length=10, choices=TermName.choices, blank=True)
    name = models.CharField(max_length=80)
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(max_length=40, blank=True, help_text="For example final, or proposed (consultation)")
    source_url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["academic_year", "start", "kind"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="calendar_period_in_order"),
        ]
        indexes = [models.Index(fields=["partnership", "academic_year"], name="calendar_year")]

    def __str__(self) -> str:
        return f"{self.name} {date_text(self.start)} to {date_text(self.end)}"


class CalendarYear(PartnershipOwned):
    """One academic year of a partnership's calendar, and whether its dates are only provisional: proposed or
    estimated, not yet confirmed by the local authority. Dates that follow from a provisional year (terms,
    review due dates) are shown as provisional."""

    academic_year = models.CharField(max_length=7, help_text="For example 2026-27")
    provisional = models.BooleanField(default=False, help_text="The local authority has not confirmed these dates yet")

    class Meta:
        ordering = ["academic_year"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "academic_year"], name="calendar_year_once"),
        ]

    def __str__(self) -> str:
        return f"{self.academic_year}{' (provisional)' if self.provisional else ''}"


class CalendarFeed(PartnershipOwned):
    """A member's private calendar feed: a secret address that calendar apps fetch without signing in.

    Only the SHA-256 of the secret is stored (as for invitations); making a new feed revokes the old one.
    """

    membership = models.ForeignKey("portal.Membership", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership"], condition=models.Q(revoked_at__isnull=True),
                                    name="calendar_feed_one_live_per_membership"),
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.membership}"
