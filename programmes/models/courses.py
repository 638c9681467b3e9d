"""Professional development programmes (issue 14): a partnership's programmes, their cohorts and sessions, the places
named staff hold on a cohort, each session's register, and the evaluations of impact.

A place moves through one status at a time (programmes.places): nominated by a head (or applied for by the member
of staff and endorsed by their head), accepted or declined by the steering group, or waitlisted when the cohort is
full; a waitlisted person is offered a freed place with a deadline. `Cohort.taken` counts the places held
(accepted, or offered and not yet answered) and can never pass `Cohort.places`: the conditional UPDATE that takes a
place and the check constraint below mean twenty people taking the last place at once leaves exactly one with it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from alliances.models import School, SystemLeader
from portal.tenancy.models import PartnershipOwned
from programmes.models.catalogue import Service


class Audience(models.TextChoices):
    """Who a programme is for (seed 000: trainee heads, middle leaders, children's centre leaders, teachers,
    teaching assistants; seed 001: deputy heads and subject leaders)."""

    HEADTEACHERS = "headteachers", "Headteachers"
    ASPIRING_HEADS = "aspiring_heads", "Aspiring headteachers"
    DEPUTY_HEADS = "deputy_heads", "Deputy and assistant headteachers"
    MIDDLE_LEADERS = "middle_leaders", "Middle leaders"
    SUBJECT_LEADERS = "subject_leaders", "Subject leaders"
    TEACHERS = "teachers", "Teachers"
    TEACHING_ASSISTANTS = "teaching_assistants", "Teaching assistants"
    EARLY_YEARS_LEADERS = "early_years_leaders", "Children's centre and early years leaders"
    PASTORAL_LEADERS = "pastoral_leaders", "Pastoral leaders"
    GOVERNORS = "governors", "Governors"


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Programme(PartnershipOwned):
    """A programme the partnership runs year after year (NPQH, a middle leaders' programme, moderation training)."""

    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, max_length=5000)
    aims = models.TextField(blank=True, max_length=5000, help_text="What the programme is for")
    outcomes = models.JSONField(default=list, blank=True, help_text="The outcomes participants work towards")
    audiences = models.JSONField(default=list, blank=True, help_text="Audience values: who it is for")
    phases = models.JSONField(default=list, blank=True, help_text="School phases it is for; empty for every phase")
    delivery_partner = models.CharField(max_length=200, blank=True,
                                        help_text="An organisation delivering it with the partnership, if any")
    # Completion: the rule the partnership sets for this programme.
    completion_attendance = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="The share of sessions (per cent) a participant must attend, late counting as attended")
    completion_needs_evaluation = models.BooleanField(default=True,
                                                      help_text="Completion also needs the evaluation returned")
    status = models.CharField(max_length=10, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["partnership", "status", "title"], name="programme_status_title")]

    def __str__(self) -> str:
        return self.title


class CohortStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Cohort(PartnershipOwned):
    """One run of a programme: its sessions, its places and its application window. The price of a place is the
    catalogue's programme-place service for the cohort's year (`service`), member and non-member."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200, help_text="For example 'Autumn 2026 cohort'")
    academic_year = models.CharField(max_length=7, help_text="For example 2026-27")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                help_text="The catalogue's programme place that prices a place on this cohort")
    places = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(2000)])
    minimum = models.PositiveSmallIntegerField(default=0, help_text="Fewest participants for the cohort to run")
    taken = models.PositiveSmallIntegerField(default=0, help_text="Places accepted or offered and not yet answered")
    applications_open = models.DateField(null=True, blank=True)
    applications_close = models.DateField(null=True, blank=True)
    starts_on = models.DateField(null=True, blank=True, help_text="The first session's date (kept by the sessions)")
    ends_on = models.DateField(null=True, blank=True, help_text="The last session's date (kept by the sessions)")
    offer_days = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Days a person offered a freed place from the waitlist has to take it")
    status = models.CharField(max_length=10, choices=CohortStatus.choices, default=CohortStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_on", "name", "pk"]
        indexes = [
            models.Index(fields=["partnership", "academic_year", "status"], name="cohort_year_status"),
            models.Index(fields=["partnership", "programme", "starts_on"], name="cohort_programme_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(taken__lte=models.F("places")), name="cohort_taken_within_places"),
            models.CheckConstraint(condition=models.Q(applications_close__isnull=True)
                                   | models.Q(applications_open__isnull=True)
                                   | models.Q(applications_close__gte=models.F("applications_open")),
                                   name="cohort_window_in_order"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def places_left(self) -> int:
        return max(self.places - self.taken, 0)


class Facilitator(PartnershipOwned):
    """Someone who runs a cohort's sessions: a system leader of the partnership, or an outside person by name."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    leader = models.ForeignKey(SystemLeader, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=150, help_text="The facilitator's name (a system leader's own name)")
    email = models.EmailField(blank=True)
    organisation = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["cohort", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "leader"], condition=models.Q(leader__isnull=False),
                                    name="facilitator_leader_once_per_cohort"),
        ]

    def __str__(self) -> str:
        return self.name


class Session(PartnershipOwned):
    """One meeting of a cohort: a date and times, at a venue or online. A session on a day that is not a school day
    in the partnership's term calendar needs a reason."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    date = models.DateField()
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    venue = models.CharField(max_length=300, blank=True)
    online_link = models.URLField(blank=True, max_length=500)
    non_school_day_reason = models.CharField(max_length=300, blank=True,
                                             help_text="Why the session is on a day schools are closed")
    register_taken_at = models.DateTimeField(null=True, blank=True)
    register_taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["date", "starts_at", "pk"]
        indexes = [
            models.Index(fields=["partnership", "date"], name="session_date"),
            models.Index(fields=["partnership", "cohort", "date"], name="session_cohort_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title


class PlaceStatus(models.TextChoices):
    APPLIED = "applied", "Waiting for the headteacher to endorse"
    NOMINATED = "nominated", "Waiting for the steering group"
    WAITLISTED = "waitlisted", "On the waitlist"
    OFFERED = "offered", "Offered a place"
    ACCEPTED = "accepted", "Has a place"
    NOT_ENDORSED = "not_endorsed", "Not endorsed by the headteacher"
    DECLINED = "declined", "Declined by the steering group"
    LAPSED = "lapsed", "Offer not taken"
    WITHDRAWN = "withdrawn", "Withdrawn"


# A person holds or is waiting for a place in these: they cannot be on the same cohort twice.
LIVE_PLACE_STATUSES = ("applied", "nominated", "waitlisted", "offered", "accepted")
# Statuses that count in Cohort.taken.
HOLDING_PLACE_STATUSES = ("offered", "accepted")


class Place(PartnershipOwned):
    """A named member of a school's staff on a cohort, from nomination (or application) to completion."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=150)
    email = models.EmailField()
    job_role = models.CharField("role in school", max_length=150)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", help_text="The participant's account, once they have one")
    status = models.CharField(max_length=15, choices=PlaceStatus.choices)
    statement = models.TextField(blank=True, max_length=3000, help_text="Why they want the place (an application)")
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     help_text="The head who nominated, or the member of staff who applied")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    endorsed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    endorsed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=2000, help_text="The reason for a decline")
    waitlisted_at = models.DateTimeField(null=True, blank=True, help_text="Waitlist order: earliest first")
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.TextField(blank=True, max_length=2000)
    completed_at = models.DateTimeField(null=True, blank=True, help_text="When the completion rule was met")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cohort", "name", "pk"]
        indexes = [
            models.Index(fields=["partnership", "cohort", "status"], name="place_cohort_status"),
            models.Index(fields=["partnership", "school", "status"], name="place_school_status"),
            models.Index(fields=["partnership", "user"], name="place_user"),
            models.Index(fields=["cohort", "waitlisted_at", "id"], condition=models.Q(status="waitlisted"),
                         name="place_waitlist_order"),
        ]
        constraints = [
            models.UniqueConstraint(models.functions.Lower("email"), "cohort",
                                    condition=models.Q(status__in=LIVE_PLACE_STATUSES), name="place_once_per_cohort"),
            models.CheckConstraint(condition=~models.Q(status="offered") | models.Q(offer_expires_at__isnull=False),
                                   name="place_offer_has_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.name} on cohort {self.cohort_id}"


class Attendance(models.TextChoices):
    PRESENT = "present", "Present"
    LATE = "late", "Late"
    ABSENT = "absent", "Absent"


class AttendanceMark(PartnershipOwned):
    """One participant's attendance at one session, as the facilitator took the register."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+")
    attendance = models.CharField(max_length=10, choices=Attendance.choices)
    absence_reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "place"]
        indexes = [models.Index(fields=["partnership", "place"], name="attendance_place")]
        constraints = [models.UniqueConstraint(fields=["session", "place"], name="attendance_once_per_session")]


# The impact scale, written out as seed 001's survey does (1 = no impact at all, 10 = transformed practice).
IMPACT_MEANINGS = {
    1: "No impact at all",
    2: "Very little impact",
    3: "A little impact",
    4: "Some impact, not yet in practice",
    5: "Some change in practice",
    6: "A clear change in practice",
    7: "A clear change in practice, shared with colleagues",
    8: "A strong change in practice, with evidence of benefit",
    9: "A strong change in practice, benefiting pupils widely",
    10: "Practice transformed, with clear benefit to pupils",
}


class Evaluation(PartnershipOwned):
    """The participant's evaluation at the end of the cohort."""

    place = models.OneToOneField(Place, on_delete=models.CASCADE, related_name="+")
    practice_change = models.TextField(max_length=5000, help_text="What changed in their practice")
    impact = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(10)])
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(impact__gte=1, impact__lte=10), name="evaluation_impact_1_to_10"),
        ]


class SchoolImpact(PartnershipOwned):
    """A term after the cohort ends, the participant's headteacher says what the programme did for the school."""

    place = models.OneToOneField(Place, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField(help_text="A term after the cohort's last session")
    impact_on_school = models.TextField(blank=True, max_length=5000)
    impact = models.PositiveSmallIntegerField(null=True, blank=True,
                                              validators=[MinValueValidator(1), MaxValueValidator(10)])
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["partnership", "due_on"], name="school_impact_due")]
        constraints = [
            models.CheckConstraint(condition=models.Q(impact__isnull=True) | models.Q(impact__gte=1, impact__lte=10),
                                   name="school_impact_1_to_10"),
        ]


class SchoolPlaceCounts(PartnershipOwned):
    """A school's places on a programme's cohorts of one academic year that end on one date: all of them, those
    accepted, accepted and completed, and waitlisted. What the programme reports add up per school, 3,000 rows where
    the places are 60,000 at scale (a cohort's end date is kept so that "ended by today" is decided when read).

    Kept by triggers on `Place` and `Cohort` in PostgreSQL (migration `programmes 0007`), in the same statement as
    every insert, change or delete of a place and every change of a cohort, whoever writes them, so the counts
    always equal the places; on SQLite (the embedded `make run`) there are none and the reports read the places.
    A row whose places are all gone stays at zero. Never written by code."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    academic_year = models.CharField(max_length=7)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    ends_on = models.DateField(null=True, blank=True)
    places = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)  # accepted and completed
    waitlisted = models.PositiveIntegerField(default=0)

    class Meta:
        # One row per (partnership, academic year, programme, end date, school), cohorts with no end date sharing
        # one: a unique index with NULLs not distinct, made with the triggers (PostgreSQL only).
        indexes = [models.Index(fields=["partnership", "academic_year"], name="school_place_counts_year")]

    def __str__(self) -> str:
        return f"{self.school_id} {self.academic_year} programme {self.programme_id}: {self.places}"


class CohortWaitingCount(PartnershipOwned):
    """How many people wait for a place on a cohort, with the cohort's year, programme and name: what the
    programme reports' waitlists page through, most waiting first (2,000 cohorts at scale, where counting their
    4,000 waiting places and joining the cohorts on every view was half of the report's statement).

    Kept by triggers on `Place` and `Cohort` in PostgreSQL (migration `programmes 0009`), in the same statement as
    every insert, change or delete of a place and every change of a cohort's year, programme or name, so it always
    equals the places; on SQLite (the embedded `make run`) there are none and the reports count the places. A row
    exists for each cohort that has ever had someone waiting, and stays at zero once nobody is. Never written by
    code."""

    cohort = models.OneToOneField(Cohort, on_delete=models.CASCADE, related_name="+")
    academic_year = models.CharField(max_length=7)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    waiting = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["partnership", "academic_year"], name="cohort_waiting_year")]

    def __str__(self) -> str:
        return f"{self.name}: {self.waiting} waiting"
