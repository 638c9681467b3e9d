"""Reference data shared by every partnership (local authorities, schools from GIAS, links, Ofsted).

These tables are global and read-only to tenants: only importers and platform staff write them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Replace, Upper

from alliances.choices import OfstedCategory, Phase, Status  # noqa: F401  (imported from here across the project)
from alliances.places import LocationAccuracy, Postcode, PostcodeDistrict  # noqa: F401  (models of this app)
from alliances.search import SchoolSearchRow  # noqa: F401  (a model of this app)


class LocalAuthority(models.Model):
    code = models.CharField("DfE LA code", max_length=3, primary_key=True)
    name = models.CharField(max_length=120)
    gss_code = models.CharField("GSS code", max_length=9, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


OFSTED_GRADES = {1: "Outstanding", 2: "Good", 3: "Requires improvement", 4: "Inadequate"}


class School(models.Model):
    """An establishment from Get Information about Schools, keyed by its URN (6 digits, read as text)."""

    urn = models.CharField("URN", max_length=6, primary_key=True)
    name = models.CharField(max_length=200)
    la = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, null=True, blank=True, related_name="schools")
    establishment_number = models.CharField(max_length=4, blank=True)
    laestab = models.CharField("LAESTAB", max_length=7, blank=True)
    type_code = models.CharField(max_length=4, blank=True)
    type_name = models.CharField("type", max_length=100, blank=True)
    type_group_code = models.CharField(max_length=4, blank=True)
    type_group_name = models.CharField("type group", max_length=100, blank=True)
    phase = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    open_date = models.DateField(null=True, blank=True)
    close_date = models.DateField(null=True, blank=True)
    statutory_low_age = models.PositiveSmallIntegerField(null=True, blank=True)
    statutory_high_age = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=20, blank=True)
    religious_character = models.CharField(max_length=100, blank=True)
    diocese_code = models.CharField(max_length=10, blank=True)
    diocese_name = models.CharField(max_length=100, blank=True)
    trust_code = models.CharField(max_length=10, blank=True)
    trust_name = models.CharField(max_length=200, blank=True)
    federation_code = models.CharField(max_length=10, blank=True)
    federation_name = models.CharField(max_length=200, blank=True)
    pupils = models.PositiveIntegerField(null=True, blank=True)
    street = models.CharField(max_length=200, blank=True)
    locality = models.CharField(max_length=200, blank=True)
    address3 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    county = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True, db_index=True)
    easting = models.PositiveIntegerField(null=True, blank=True, help_text="British National Grid, metres")
    northing = models.PositiveIntegerField(null=True, blank=True, help_text="British National Grid, metres")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    website = models.CharField(max_length=300, blank=True)
    ofsted_grade = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Legacy overall effectiveness, 1 to 4")
    ofsted_date = models.DateField(null=True, blank=True)
    ofsted_category = models.CharField(max_length=20, choices=OfstedCategory.choices, blank=True)
    ofsted_report_card = models.JSONField(default=dict, blank=True, help_text="Report-card area grades, when published")
    location_accuracy = models.CharField(max_length=10, choices=LocationAccuracy.choices, default=LocationAccuracy.NONE)
    # For each imported field, the date of the source its value came from (ISO dates): an import only replaces a
    # value with one from a newer source (see alliances.importers.merge).
    field_dates = models.JSONField(default=dict, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["la", "name"], name="school_la_name"),
            models.Index(fields=["status", "name"], name="school_status_name"),
            models.Index(fields=["trust_code"], name="school_trust"),
            # The directory's order (name, then URN for ties): a page of the list reads 50 index entries.
            models.Index(fields=["name", "urn"], name="school_name_urn"),
            # The search box's postcode match, with or without the space, in any case (alliances.filters).
            models.Index(Replace(Upper("postcode"), Value(" "), Value("")), name="school_postcode_compact"),
        ]
        # And on PostgreSQL a trigram index for the name search (migration 0006, not expressible here portably).

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"

    @property
    def is_open(self) -> bool:
        return self.status in (Status.OPEN, Status.OPEN_CLOSING)

    @property
    def ofsted_label(self) -> str:
        if self.ofsted_category:
            return self.get_ofsted_category_display()
        return OFSTED_GRADES.get(self.ofsted_grade, "Not inspected")


class SchoolCount(models.Model):
    """How many schools have each local authority, phase and status: kept by PostgreSQL triggers on the schools
    (migration 0010) and read for the schools list's count (46,096 index entries otherwise). Empty on SQLite."""

    la_code = models.CharField(max_length=3, null=True)
    phase = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    n = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.n} {self.status} {self.phase} schools in LA {self.la_code}"

class SchoolLink(models.Model):
    """A GIAS link between establishments (predecessor, successor, merger, sixth-form centre...)."""

    # Plain URNs, not foreign keys: a links file may name schools that are not (yet) imported.
    urn = models.CharField(max_length=6, db_index=True)
    linked_urn = models.CharField(max_length=6)
    linked_name = models.CharField(max_length=200, blank=True)
    link_type = models.CharField(max_length=100)
    established_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["urn", "linked_urn", "link_type"], name="school_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.urn} {self.link_type} {self.linked_urn}"

    @property
    def is_successor(self) -> bool:
        return self.link_type.lower().startswith("successor")


class OfstedJudgement(models.Model):
    """One overall-effectiveness judgement from the Ofsted history file."""

    urn = models.CharField(max_length=6, db_index=True)
    grade = models.PositiveSmallIntegerField()
    inspected_on = models.DateField()

    class Meta:
        ordering = ["-inspected_on"]
        constraints = [models.UniqueConstraint(fields=["urn", "inspected_on"], name="ofsted_judgement_unique")]

    def __str__(self) -> str:
        return f"{self.urn} {OFSTED_GRADES.get(self.grade)} on {self.inspected_on}"

    def get_grade_label(self) -> str:
        return OFSTED_GRADES.get(self.grade, "Unknown")


# Partnership data (tenant-owned) ---------------------------------------------------------------

from portal.tenancy.models import PartnershipOwned  # noqa: E402  (reference data above has no tenant)


class PartnershipSchool(PartnershipOwned):
    """A school's relationship with one partnership: member (member rates, core entitlement) or not."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    is_member = models.BooleanField(default=True)
    member_from = models.DateField(null=True, blank=True)
    member_to = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partnership", "school"], name="partnership_school_once"),
            models.CheckConstraint(
                condition=models.Q(member_to__isnull=True)
                | models.Q(member_from__isnull=True)
                | models.Q(member_to__gte=models.F("member_from")),
                name="partnership_school_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} in partnership {self.partnership_id}"


class SpecialismGroup(models.TextChoices):
    LEADERSHIP = "leadership", "Leadership and management"
    TEACHING = "teaching", "Teaching, curriculum and subjects"
    PHASES = "phases", "Phases and settings"
    SEND = "send", "SEND, inclusion and disadvantage"
    EARLY_YEARS = "early_years", "Early years"
    BEHAVIOUR = "behaviour", "Behaviour, attendance and pastoral"
    ASSESSMENT = "assessment", "Assessment and moderation"
    GOVERNANCE = "governance", "Governance"
    STAFF = "staff", "Staff development"


class Specialism(PartnershipOwned):
    """An area a system leader can support. Partnerships extend the default taxonomy or retire entries;
    an entry in use is never deleted."""

    group = models.CharField(max_length=20, choices=SpecialismGroup.choices)
    name = models.CharField(max_length=120)
    is_retired = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group", "name"]
        constraints = [models.UniqueConstraint(fields=["partnership", "name"], name="specialism_name_once")]

    def __str__(self) -> str:
        return self.name


class Alliance(PartnershipOwned):
    """A group of schools inside the partnership led by one or more lead schools (label per partnership)."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["partnership", "name"], name="alliance_name_once")]

    def __str__(self) -> str:
        return self.name


class AllianceRole(models.TextChoices):
    LEAD = "lead", "Lead school"
    MEMBER = "member", "Member school"
    STRATEGIC_PARTNER = "strategic_partner", "Strategic partner"


class AllianceSchool(PartnershipOwned):
    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="schools")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=AllianceRole.choices, default=AllianceRole.MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alliance", "school"], name="alliance_school_once")]

    def __str__(self) -> str:
        return f"{self.school_id} in {self.alliance_id} ({self.role})"


class LeaderStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    UNDER_REVIEW = "under_review", "Under review"
    PAUSED = "paused", "Paused"
    DE_DESIGNATED = "de_designated", "De-designated"
    RESIGNED = "resigned", "Resigned"


LEADER_PHASES = {
    "phase_early_years": "Early years",
    "phase_primary": "Primary",
    "phase_secondary": "Secondary",
    "phase_special": "Special",
    "phase_post16": "Post-16",
}


class SystemLeader(PartnershipOwned):
    """A person the partnership designates (SLE, LLE, NLE, NLG or its own types), based at a home school."""

    name = models.CharField(max_length=150)
    email = models.EmailField(blank=True, help_text="Staff contact: never shown to LA officers")
    phone = models.CharField(max_length=30, blank=True, help_text="Staff contact: never shown to LA officers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    home_school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    designation = models.CharField(max_length=10, help_text="A code from the partnership's designation labels")
    specialisms = models.ManyToManyField(Specialism, through="LeaderSpecialism", related_name="+")
    phase_early_years = models.BooleanField("Early years", default=False)
    phase_primary = models.BooleanField("Primary", default=False)
    phase_secondary = models.BooleanField("Secondary", default=False)
    phase_special = models.BooleanField("Special", default=False)
    phase_post16 = models.BooleanField("Post-16", default=False)
    designated_on = models.DateField()
    review_due = models.DateField()
    status = models.CharField(max_length=20, choices=LeaderStatus.choices, default=LeaderStatus.ACTIVE)
    capacity_days_per_term = models.DecimalField(max_digits=4, decimal_places=1, default=0)
    release_consent_by = models.CharField("release consent given by", max_length=150, blank=True)
    release_consent_on = models.DateField("release consent given on", null=True, blank=True)
    conflicts = models.TextField("declared conflicts of interest", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["partnership", "status", "designation"], name="leader_status_designation"),
            models.Index(fields=["partnership", "review_due"], name="leader_review_due"),
            # Matching reads the few leaders who declared a conflict of interest, not all of them.
            models.Index(fields=["partnership"], condition=~models.Q(conflicts=""), name="leader_declared_conflicts"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(review_due__gte=models.F("designated_on")), name="leader_review_after_designation"),
            models.CheckConstraint(condition=models.Q(capacity_days_per_term__gte=0), name="leader_capacity_not_negative"),
            models.UniqueConstraint(fields=["partnership", "user"], condition=models.Q(user__isnull=False),
                                    name="leader_one_profile_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.designation})"

    @property
    def phases(self) -> list[str]:
        return [label for field, label in LEADER_PHASES.items() if getattr(self, field)]

    @property
    def has_release_consent(self) -> bool:
        return bool(self.release_consent_by and self.release_consent_on)


class LeaderSpecialism(PartnershipOwned):
    leader = models.ForeignKey(SystemLeader, on_delete=models.CASCADE, related_name="+")
    specialism = models.ForeignKey(Specialism, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["leader", "specialism"], name="leader_specialism_once")]


class ClusterKind(models.TextChoices):
    GEOGRAPHIC = "geographic", "Geographic cluster"
    TRIAD = "triad", "Triad"
    LINK_PARTNERS = "link_partners", "Link partners"


class Cluster(PartnershipOwned):
    """Schools that work together for one academic year (LA dashboards are cut by cluster)."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ClusterKind.choices, default=ClusterKind.GEOGRAPHIC)
    la = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    chair_school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    academic_year = models.CharField(max_length=7, help_text="For example 2026-27")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-academic_year", "name"]
        constraints = [models.UniqueConstraint(fields=["partnership", "academic_year", "name"], name="cluster_name_per_year")]

    def __str__(self) -> str:
        return f"{self.name} ({self.academic_year})"


class ClusterSchool(PartnershipOwned):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="members")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "school"], name="cluster_school_once")]


class ImportJob(models.Model):
    """A school-data file uploaded by platform staff and imported by a Celery worker (global, not tenant data)."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Not imported"

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    filename = models.CharField(max_length=255)
    # The file itself, in the database so any worker host can read it; emptied once imported.
    content = models.BinaryField(default=b"", editable=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    stage = models.CharField(max_length=60, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    summary = models.TextField(blank=True)
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
