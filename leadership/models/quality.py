"""Quality assurance of system leaders: the partnership's competency framework and rating scale, QA groups under a
lead, QA activities with ratings and actions, and designation reviews with their outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from alliances.models import SystemLeader
from deployments.models import Deployment, Review, Visit
from portal.tenancy.models import PartnershipOwned


class Competency(PartnershipOwned):
    """One competency of the partnership's framework that system leaders are quality-assured against."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True, help_text="Retired competencies keep their past ratings")

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["partnership", "title"], name="competency_title_once")]

    def __str__(self) -> str:
        return self.title


class RatingLevel(PartnershipOwned):
    """One point of the partnership's rating scale: `value` orders it (higher is stronger) and averages it."""

    value = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=80)
    meaning = models.TextField(blank=True)

    class Meta:
        ordering = ["value"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "value"], name="rating_level_value_once"),
            models.UniqueConstraint(fields=["partnership", "label"], name="rating_level_label_once"),
            models.CheckConstraint(condition=models.Q(value__gte=1, value__lte=10), name="rating_level_1_to_10"),
        ]

    def __str__(self) -> str:
        return f"{self.value}: {self.label}"


class QAGroup(PartnershipOwned):
    """System leaders grouped under a lead (an NLE or LLE in seed 002) who quality-assures their work."""

    name = models.CharField(max_length=150)
    lead = models.ForeignKey(SystemLeader, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["partnership", "name"], name="qa_group_name_once")]

    def __str__(self) -> str:
        return self.name


class QAGroupMember(PartnershipOwned):
    """A leader in a QA group: a leader belongs to at most one group."""

    group = models.ForeignKey(QAGroup, on_delete=models.CASCADE, related_name="+")
    leader = models.ForeignKey(SystemLeader, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["leader"], name="qa_group_one_per_leader")]


class QAActivityKind(models.TextChoices):
    OBSERVATION = "observation", "Observing a visit"
    REPORT = "report", "Reviewing a report"
    CONVERSATION = "conversation", "A conversation"
    OTHER = "other", "Other"


class QAActivity(PartnershipOwned):
    """One piece of quality assurance of a leader's work, recorded by their group's lead or the steering group.

    `notes` are shared with the leader; `private_notes` are for the lead and the steering group only (candid
    remarks that would stop people writing honestly if the leader read them), and never reach LA officers."""

    leader = models.ForeignKey(SystemLeader, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(QAGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=QAActivityKind.choices)
    held_on = models.DateField()
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    notes = models.TextField(blank=True)
    private_notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["partnership", "leader", "held_on"], name="qa_activity_leader")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.leader_id} on {self.held_on}"


class QARating(PartnershipOwned):
    activity = models.ForeignKey(QAActivity, on_delete=models.CASCADE, related_name="+")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(RatingLevel, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["competency__order", "pk"]
        constraints = [models.UniqueConstraint(fields=["activity", "competency"], name="qa_rating_once")]


class QAActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class QAAction(PartnershipOwned):
    """Something a QA activity asks the leader to do by a date; marked done by the leader, lead or steering group."""

    activity = models.ForeignKey(QAActivity, on_delete=models.CASCADE, related_name="+")
    leader = models.ForeignKey(SystemLeader, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=500)
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=QAActionStatus.choices, default=QAActionStatus.OPEN)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["partnership", "status", "due_on"], name="qa_action_due")]

    def __str__(self) -> str:
        return self.description


class DesignationOutcome(models.TextChoices):
    REDESIGNATE = "redesignate", "Redesignate"
    EXTEND = "extend", "Extend the review date"
    DE_DESIGNATE = "de_designate", "De-designate"


class DesignationReview(PartnershipOwned):
    """The outcome of a leader's designation review: one per review date (`previous_review_due`), so two people
    deciding at once give one outcome."""

    leader = models.ForeignKey(SystemLeader, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=DesignationOutcome.choices)
    reason = models.TextField()
    previous_review_due = models.DateField()
    new_review_due = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["leader", "previous_review_due"], name="designation_review_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} for {self.leader_id}"
