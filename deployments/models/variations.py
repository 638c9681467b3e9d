"""Variations: a change to an agreed deployment (days, dates, objectives, rate), with the values before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from deployments.models.deployments import Deployment, RateKind
from portal.days import days_phrase
from portal.formats import date_text, money_text
from portal.tenancy.models import PartnershipOwned


class VariationStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for approval"
    CONFIRMING = "confirming", "Waiting for the school and the system leader to confirm"
    APPLIED = "applied", "Agreed: the deployment was changed"
    DECLINED = "declined", "Not agreed"
    WITHDRAWN = "withdrawn", "Withdrawn by the broker"


OPEN_VARIATION_STATUSES = (VariationStatus.PROPOSED, VariationStatus.CONFIRMING)


class Variation(PartnershipOwned):
    """A broker's proposed change to an agreed deployment. It keeps the values it replaces (`old_*`) and the
    ones it proposes (`new_*`), so the deployment's history shows both versions. Objectives are lists of
    {"id", "area_id", "area", "description", "success_criteria"} ("id" empty for an objective it adds)."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=VariationStatus.choices, default=VariationStatus.PROPOSED)
    reason = models.TextField(help_text="Why the agreement changes")
    old_days = models.DecimalField(max_digits=4, decimal_places=1)
    new_days = models.DecimalField(max_digits=4, decimal_places=1)
    old_start_date = models.DateField()
    new_start_date = models.DateField()
    old_end_date = models.DateField()
    new_end_date = models.DateField()
    old_rate_kind = models.CharField(max_length=10, choices=RateKind.choices)
    new_rate_kind = models.CharField(max_length=10, choices=RateKind.choices)
    old_day_rate = models.DecimalField(max_digits=7, decimal_places=2)
    new_day_rate = models.DecimalField(max_digits=7, decimal_places=2)
    old_objectives = models.JSONField(default=list)
    new_objectives = models.JSONField(default=list)
    needs_approval = models.BooleanField(help_text="The partnership's rule when it was proposed")
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
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.TextField(blank=True, help_text="Why it was declined or withdrawn")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        indexes = [models.Index(fields=["partnership", "status"], name="variation_status")]
        constraints = [
            models.UniqueConstraint(fields=["deployment"], condition=models.Q(status__in=OPEN_VARIATION_STATUSES),
                                    name="variation_one_open_per_deployment"),
            models.CheckConstraint(condition=models.Q(new_end_date__gte=models.F("new_start_date")),
                                   name="variation_dates_in_order"),
            models.CheckConstraint(condition=models.Q(new_days__gt=0), name="variation_days_positive"),
            models.CheckConstraint(condition=models.Q(new_day_rate__gte=0), name="variation_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Change {self.pk} to deployment {self.deployment_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_VARIATION_STATUSES

    def changes(self) -> list[tuple[str, str, str]]:
        """(what, before, after) for each value it changes, in words."""
        rows = [
            ("Days", _days(self.old_days), _days(self.new_days)),
            ("Start date", f"{date_text(self.old_start_date)}", f"{date_text(self.new_start_date)}"),
            ("End date", f"{date_text(self.old_end_date)}", f"{date_text(self.new_end_date)}"),
            ("Rate", _rate(self.old_rate_kind, self.old_day_rate), _rate(self.new_rate_kind, self.new_day_rate)),
        ]
        rows += objective_changes(self.old_objectives, self.new_objectives)
        return [row for row in rows if row[1] != row[2]]


def _days(value) -> str:
    text = f"{value.normalize():f}" if value is not None else ""
    return days_phrase(text)


def _rate(kind: str, rate) -> str:
    return f"{RateKind(kind).label}, {money_text(rate)} a day"


def _objective_text(objective: dict | None) -> str:
    if not objective:
        return "(none)"
    return f"{objective['area']}: {objective['description']} (success: {objective['success_criteria']})"


def objective_changes(old: list[dict], new: list[dict]) -> list[tuple[str, str, str]]:
    """One row per objective that differs: matched by id, an added one (no id) shown against "(none)"."""
    before = {o["id"]: o for o in old}
    rows = []
    for index, objective in enumerate(new, start=1):
        previous = before.get(objective.get("id")) if objective.get("id") else None
        rows.append((f"Objective {index}", _objective_text(previous), _objective_text(objective)))
    return rows
