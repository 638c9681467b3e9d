"""Reference data shared by every partnership (local authorities, schools from GIAS, links, Ofsted).

These tables are global and read-only to tenants: only importers and platform staff write them.
"""

from __future__ import annotations

from django.db import models


class LocalAuthority(models.Model):
    code = models.CharField("DfE LA code", max_length=3, primary_key=True)
    name = models.CharField(max_length=120)
    gss_code = models.CharField("GSS code", max_length=9, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Phase(models.TextChoices):
    NURSERY = "nursery", "Nursery"
    PRIMARY = "primary", "Primary"
    MIDDLE_PRIMARY = "middle_primary", "Middle deemed primary"
    SECONDARY = "secondary", "Secondary"
    MIDDLE_SECONDARY = "middle_secondary", "Middle deemed secondary"
    SIXTEEN_PLUS = "16_plus", "16 plus"
    ALL_THROUGH = "all_through", "All-through"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    OPEN_CLOSING = "open_closing", "Open, but proposed to close"
    PROPOSED = "proposed", "Proposed to open"
    CLOSED = "closed", "Closed"


class OfstedCategory(models.TextChoices):
    NONE = "", "None"
    SERIOUS_WEAKNESSES = "serious_weaknesses", "Serious weaknesses"
    SPECIAL_MEASURES = "special_measures", "Special measures"


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
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["la", "name"], name="school_la_name"),
            models.Index(fields=["status", "name"], name="school_status_name"),
            models.Index(fields=["trust_code"], name="school_trust"),
        ]

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
