"""Recruiting and designating system leaders: rounds, applications, the head's endorsement, the panel's scores and
decision, the partnership's induction checklist, consent withdrawn later, and the talent pool."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from alliances.models import LEADER_PHASES, School, Specialism, SystemLeader
from portal.tenancy.models import Invitation, PartnershipOwned
from programmes.models import Service

# The panel's scale for each criterion, with what each point means (shown on the scoring page).
SCORE_MEANINGS = {
    1: "Not met: the evidence does not show this",
    2: "Partly met: some evidence, with gaps",
    3: "Met: clear evidence from the candidate's own work",
    4: "Strongly met: strong evidence of impact beyond their own school",
}


class Phases(models.Model):
    """The phases a round seeks, an application offers or a nomination names (the system leader's own five)."""

    phase_early_years = models.BooleanField("Early years", default=False)
    phase_primary = models.BooleanField("Primary", default=False)
    phase_secondary = models.BooleanField("Secondary", default=False)
    phase_special = models.BooleanField("Special", default=False)
    phase_post16 = models.BooleanField("Post-16", default=False)

    class Meta:
        abstract = True

    @property
    def phases(self) -> list[str]:
        return [label for field, label in LEADER_PHASES.items() if getattr(self, field)]

    def phase_keys(self) -> list[str]:
        return [field for field in LEADER_PHASES if getattr(self, field)]


class RoundStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class RecruitmentRound(Phases, PartnershipOwned):
    """A call for new system leaders of one of the partnership's designations, with its criteria and dates."""

    designation = models.CharField(max_length=10, help_text="A code from the partnership's designation labels")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    opens_on = models.DateField()
    closes_on = models.DateField()
    status = models.CharField(max_length=20, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    specialisms = models.ManyToManyField(Specialism, through="RoundSpecialism", related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opens_on", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(closes_on__gte=models.F("opens_on")),
                                              name="round_closes_after_opening")]

    def __str__(self) -> str:
        return self.title

    def is_open(self, today) -> bool:
        return self.status == RoundStatus.PUBLISHED and self.opens_on <= today <= self.closes_on


class RoundSpecialism(PartnershipOwned):
    round = models.ForeignKey(RecruitmentRound, on_delete=models.CASCADE, related_name="+")
    specialism = models.ForeignKey(Specialism, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "specialism"], name="round_specialism_once")]


class Criterion(PartnershipOwned):
    """One criterion of a round, written by the partnership; candidates give evidence and the panel scores it."""

    round = models.ForeignKey(RecruitmentRound, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class PanelMember(PartnershipOwned):
    """A member of the steering group chosen to score a round's applications and decide them."""

    round = models.ForeignKey(RecruitmentRound, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="panel_member_once")]


class Nomination(Phases, PartnershipOwned):
    """An aspiring leader a headteacher puts in the talent pool ("Rising Stars", seed 001)."""

    name = models.CharField(max_length=150)
    email = models.EmailField()
    role_title = models.CharField("current role", max_length=150)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    specialisms = models.ManyToManyField(Specialism, through="NominationSpecialism", related_name="+")
    why = models.TextField()
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return self.name


class NominationSpecialism(PartnershipOwned):
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="+")
    specialism = models.ForeignKey(Specialism, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["nomination", "specialism"], name="nomination_specialism_once")]


class RoundInvitation(PartnershipOwned):
    """Someone the steering group asked to apply to a round (from the talent pool or by address). A person with
    no membership gets a portal invitation with the narrow candidate role."""

    round = models.ForeignKey(RecruitmentRound, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    name = models.CharField(max_length=150)
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    nomination = models.ForeignKey(Nomination, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    invitation = models.ForeignKey(Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "email"], name="round_invitation_once")]


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for the headteacher's endorsement"
    ENDORSED = "endorsed", "With the panel"
    NOT_ENDORSED = "not_endorsed", "Not endorsed by the headteacher"
    PROPOSED = "proposed", "Decision proposed, waiting for a second panel member"
    DESIGNATED = "designated", "Designated"
    NOT_DESIGNATED = "not_designated", "Not designated this time"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Outcome(models.TextChoices):
    DESIGNATE = "designate", "Designate"
    NOT_THIS_TIME = "not_this_time", "Not this time"


class Application(Phases, PartnershipOwned):
    """A candidate's application to a round: specialisms, phases, evidence per criterion; then their own head's
    endorsement and release consent, the panel's scores, and one decision."""

    round = models.ForeignKey(RecruitmentRound, on_delete=models.PROTECT, related_name="+")
    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=150)
    role_title = models.CharField("current role", max_length=150, blank=True)
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    specialisms = models.ManyToManyField(Specialism, through="ApplicationSpecialism", related_name="+")
    status = models.CharField(max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The candidate's own headteacher: endorsement and consent to release them for deployments.
    endorsed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    endorsed_at = models.DateTimeField(null=True, blank=True)
    endorsement = models.TextField(blank=True)
    release_consent = models.BooleanField(default=False)
    # The panel's decision: proposed (four-eyes) and decided.
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    rationale = models.TextField(blank=True)
    feedback = models.TextField(blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    proposed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    leader = models.ForeignKey(SystemLeader, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "candidate"], name="application_once_per_round")]
        indexes = [models.Index(fields=["partnership", "status"], name="application_status")]

    def __str__(self) -> str:
        return f"Application A{self.pk:05d}" if self.pk else "Application"

    @property
    def reference(self) -> str:
        return f"A{self.pk:05d}"


class ApplicationSpecialism(PartnershipOwned):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    specialism = models.ForeignKey(Specialism, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "specialism"], name="application_specialism_once")]


class Evidence(PartnershipOwned):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "criterion"], name="evidence_once")]


class Score(PartnershipOwned):
    """One panel member's score for one criterion of one application. Hidden from the rest of the panel until every
    member has scored every criterion, and never shown to candidates."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    scorer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(choices=[(k, f"{k}: {v}") for k, v in SCORE_MEANINGS.items()])
    comment = models.TextField(blank=True)
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion", "scorer"], name="score_once"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=4), name="score_on_the_scale"),
        ]


class InductionItem(PartnershipOwned):
    """A step of the partnership's induction for newly designated leaders. One naming a programme place counts as
    done when the leader's home school has a confirmed order line for it; one naming a programme, when the leader
    holds an accepted place on one of its cohorts."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Issue 14: done when the leader holds an accepted (or completed) place on a cohort of this programme.
    programme = models.ForeignKey("programmes.Programme", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class InductionTick(PartnershipOwned):
    leader = models.ForeignKey(SystemLeader, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(InductionItem, on_delete=models.CASCADE, related_name="+")
    ticked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    ticked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["leader", "item"], name="induction_tick_once")]


class ConsentWithdrawal(PartnershipOwned):
    """A home school's head withdrew release consent for a leader's future deployments (the leader's record then
    shows no consent, so matching leaves them out)."""

    leader = models.ForeignKey(SystemLeader, on_delete=models.CASCADE, related_name="+")
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    withdrawn_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    # What the leader's record said before, so the history shows what was withdrawn.
    consent_was_by = models.CharField(max_length=150, blank=True)
    consent_was_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-withdrawn_at"]
