"""Termly reviews and final evaluations, with the seed 004 outcome checklist."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Substr
from django.utils import timezone

from deployments.models.deployments import Deployment, Objective
from portal.calendar.models import CalendarPeriod, CalendarYear
from portal.tenancy.models import PartnershipOwned

OUTCOMES: dict[str, list[tuple[str, str]]] = {
    # Seed 004: the outcomes system leadership is measured by, in its four groups.
    "school": [
        ("exam_results", "Improved examination results"),
        ("department_progress", "Improved progress within specific departments or specialist areas"),
        ("ofsted_evidence", "Improved Ofsted evidence"),
        ("behaviour", "Improved behaviour/discipline"),
        ("achievement_gap", "Progress in closing the achievement gap (pupils in receipt of free school meals and "
                            "vulnerable groups)"),
        ("in_school_variation", "Reduction in in-school variation"),
        ("accreditation", "Evidence of external accreditation"),
    ],
    "staff": [
        ("staff_growth", "Improved growth, confidence and learning"),
        ("teaching_quality", "Improved quality of teaching and learning"),
        ("cpd", "Improved CPD"),
        ("knowledge_management", "Improved knowledge management"),
        ("staff_absence", "Falling rates of staff absence"),
        ("team_morale", "Improved team ethos/morale"),
        ("networks", "Increased networks/partnerships and collaboration"),
        ("itt_development", "Improved development of ITT/NQTs/ITP/OTP"),
        ("accountability", "Increased willingness to secure accountability of others"),
        ("leadership_profile", "Increased leadership profile"),
    ],
    "organisation": [
        ("internal_processes", "Improved internal processes and standards"),
        ("self_evaluation", "Improved self-evaluation"),
        ("planning", "Improved planning, including strategic planning"),
        ("priorities", "Greater focus on priorities"),
    ],
    "others": [
        ("community_views", "Improved views of parents, governors and others in the community"),
        ("pupil_support", "Increased support for pupils"),
        ("child_progress", "Greater progress by individual children"),
    ],
}
OUTCOME_GROUPS = {"school": "Outcomes for the school", "staff": "Impact on staff",
                  "organisation": "Organisational impact", "others": "Impact on others"}
OUTCOME_LABELS = {key: label for items in OUTCOMES.values() for key, label in items}


# Seed 003: the seven elements common to every link partner visit; a link partner's report is written under them.
LINK_PARTNER_ELEMENTS: list[tuple[str, str]] = [
    ("perspectives", "External perspectives on the school's data, self-evaluation and school development plan"),
    ("priorities", "Support and challenge on school priorities so they impact on pupil outcomes"),
    ("celebrate", "What is working well, and what can be shared beyond the school"),
    ("new_approaches", "Opportunities to explore new approaches to driving improvement"),
    ("networks", "Recommended networks and links with other schools, teaching schools and other organisations"),
    ("next_steps", "Planning for next steps"),
    ("governors", "Succinct evaluative summary for the governing body"),
]
LINK_PARTNER_LABELS = dict(LINK_PARTNER_ELEMENTS)


class ReviewKind(models.TextChoices):
    TERMLY = "termly", "Termly review"
    FINAL = "final", "Final evaluation"


class ReviewStatus(models.TextChoices):
    DUE = "due", "To write"
    SUBMITTED = "submitted", "Waiting for the headteacher to agree"
    AGREED = "agreed", "Agreed: final"


class Rag(models.TextChoices):
    RED = "red", "Red: not on track"
    AMBER = "amber", "Amber: partly on track"
    GREEN = "green", "Green: on track"


class Met(models.TextChoices):
    YES = "yes", "Met"
    PARTLY = "partly", "Partly met"
    NO = "no", "Not met"


class Review(PartnershipOwned):
    """A termly review of a deployment (one per term it runs in), or its final evaluation: written by the
    system leader, agreed by the headteacher, then read-only and printable as the report for governors."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ReviewKind.choices, default=ReviewKind.TERMLY)
    term_key = models.CharField(max_length=20, help_text="The term it covers, for example 2026-27 autumn")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DUE)
    overall_progress = models.TextField(blank=True)
    impact_score = models.PositiveSmallIntegerField(null=True, blank=True)
    outcomes = models.JSONField(default=list, blank=True, help_text="Keys from the outcome checklist")
    next_steps = models.TextField(blank=True)
    # The final evaluation's optional question (seed 004 counts the benefits "for the school where the system
    # leader is the substantive leader"): what the leader's own school gained from the work.
    own_school_benefit = models.TextField("benefit to the leader's own school", blank=True)
    # A link partner's report: what the leader found on each of seed 003's seven elements, by key.
    sections = models.JSONField(default=dict, blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    head_comments = models.TextField(blank=True)
    head_impact_score = models.PositiveSmallIntegerField(null=True, blank=True)
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    agreed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["partnership", "status", "due_on"], name="review_due")]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "kind", "term_key"], name="review_once_per_term"),
            models.CheckConstraint(condition=models.Q(impact_score__isnull=True)
                                   | models.Q(impact_score__gte=1, impact_score__lte=10), name="review_impact_1_to_10"),
            models.CheckConstraint(condition=models.Q(head_impact_score__isnull=True)
                                   | models.Q(head_impact_score__gte=1, head_impact_score__lte=10),
                                   name="review_head_impact_1_to_10"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} of deployment {self.deployment_id}"

    @property
    def term_label(self) -> str:
        year, _, name = self.term_key.partition(" ")
        return f"{name.capitalize()} term {year}" if name else self.term_key

    def is_overdue(self, today=None) -> bool:
        return self.status == ReviewStatus.DUE and self.due_on < (today or timezone.localdate())

    @property
    def due_caveat(self) -> str:
        """"Estimated" when the calendar lacks the review's term, "Provisional" when its year is not confirmed by
        the LA, otherwise "": read from `with_due_caveats`, so pages say how sure a due date is."""
        if self.kind != ReviewKind.TERMLY:
            return ""
        if getattr(self, "due_term_known", True) is False:
            return "Estimated"
        return "Provisional" if getattr(self, "due_year_provisional", False) else ""


def with_due_caveats(queryset):
    """Reviews annotated with how sure their due dates are (two subqueries, no extra query): whether the
    partnership's calendar has the review's term, and whether its year is provisional."""
    year, term = Substr(OuterRef("term_key"), 1, 7), Substr(OuterRef("term_key"), 9)
    return queryset.annotate(
        due_term_known=Exists(CalendarPeriod.objects.filter(partnership=OuterRef("partnership"), academic_year=year,
                                                            kind="term", term=term)),
        due_year_provisional=Exists(CalendarYear.objects.filter(partnership=OuterRef("partnership"), academic_year=year,
                                                                provisional=True)),
    )


class ReviewObjective(PartnershipOwned):
    """Progress on one objective in one review: Red/Amber/Green with evidence (and, finally, whether its
    success criteria were met)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="+")
    rag = models.CharField("progress", max_length=5, choices=Rag.choices)
    evidence = models.TextField()
    success_met = models.CharField(max_length=6, choices=Met.choices, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "objective"], name="review_objective_once")]
