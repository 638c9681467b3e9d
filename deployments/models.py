"""Brokerage: support requests, offers to system leaders, deployments, visit logs and the capacity ledger."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from alliances.models import School, Specialism, SystemLeader
from portal.tenancy.models import PartnershipOwned


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for the steering group"
    TRIAGED = "triaged", "Taken on: finding a system leader"
    MATCHED = "matched", "System leader found: support being arranged"
    DECLINED = "declined", "Not taken on"
    WITHDRAWN = "withdrawn", "Withdrawn"


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
    SCHOOL = "school", "Our school budget"
    LA = "la", "The local authority"
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
    funding_route = models.CharField(max_length=10, choices=FundingRoute.choices, blank=True)
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

    @property
    def reference(self) -> str:
        return f"R{self.pk:05d}"


class RequestNeed(PartnershipOwned):
    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="+")
    specialism = models.ForeignKey(Specialism, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "specialism"], name="request_need_once")]


class OfferStatus(models.TextChoices):
    OPEN = "open", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"
    RELEASED = "released", "Released (the deployment was not approved)"


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", "I do not have the capacity"
    MISMATCH = "mismatch", "My specialisms do not fit the need"
    CONFLICT = "conflict", "I have a conflict of interest"
    OTHER = "other", "Another reason"


class Offer(PartnershipOwned):
    """One system leader asked to take on one request."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="+")
    leader = models.ForeignKey(SystemLeader, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The match score when it was offered")
    override_reason = models.TextField(blank=True, help_text="Why it was offered although matching excluded the leader")
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=12, choices=DeclineReason.choices, blank=True)
    response_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partnership", "status", "expires_at"], name="offer_status_expiry")]
        constraints = [
            models.UniqueConstraint(fields=["request", "leader"], condition=models.Q(status="open"),
                                    name="offer_one_open_per_leader"),
            models.UniqueConstraint(fields=["request"], condition=models.Q(status="accepted"),
                                    name="offer_one_accepted_per_request"),
        ]

    def __str__(self) -> str:
        return f"Offer {self.pk} of request {self.request_id} to leader {self.leader_id}"

    @property
    def reference(self) -> str:
        return f"O{self.pk:05d}"


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

    @property
    def reference(self) -> str:
        return f"D{self.pk:05d}"

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


class VisitLength(models.TextChoices):
    WHOLE = "1.0", "Whole day"
    HALF = "0.5", "Half day"


class VisitStatus(models.TextChoices):
    LOGGED = "logged", "Waiting for the school to confirm"
    CONFIRMED = "confirmed", "Confirmed by the school"
    DISPUTED = "disputed", "Disputed: with the broker"
    REMOVED = "removed", "Removed by the broker"


class Visit(PartnershipOwned):
    """A day or half day delivered, logged by the system leader and confirmed (or disputed) by the school."""

    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="+")
    visit_date = models.DateField()
    days = models.DecimalField(max_digits=2, decimal_places=1, choices=[(Decimal(v), label) for v, label in VisitLength.choices])
    focus = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=VisitStatus.choices, default=VisitStatus.LOGGED)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.TextField(blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["visit_date", "pk"]
        indexes = [models.Index(fields=["partnership", "status"], name="visit_status")]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "visit_date"], condition=~models.Q(status="removed"),
                                    name="visit_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"Visit {self.pk} on {self.visit_date}"


class CapacityEntry(PartnershipOwned):
    """Days of a system leader's time promised in one term: held by an accepted offer, then committed by an
    approved deployment, finally trimmed to what was delivered when it closes. The ledger sums these."""

    leader = models.ForeignKey(SystemLeader, on_delete=models.CASCADE, related_name="+")
    term_key = models.CharField(max_length=20, help_text="Academic year and term, for example 2026-27 autumn")
    days = models.DecimalField(max_digits=5, decimal_places=1)
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["partnership", "term_key", "leader"], name="capacity_term_leader")]
        constraints = [
            models.CheckConstraint(condition=models.Q(days__gte=0), name="capacity_days_not_negative"),
            models.CheckConstraint(condition=models.Q(offer__isnull=False) | models.Q(deployment__isnull=False),
                                   name="capacity_has_a_cause"),
        ]


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


class Watch(PartnershipOwned):
    """A deployment a member of the steering group keeps an eye on: it shows on their home page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "deployment"], name="watch_once")]
        indexes = [models.Index(fields=["partnership", "user"], name="watch_user")]
