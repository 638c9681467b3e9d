from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_scopes import ScopedManager

from portal.tenancy.roles import MFA_REQUIRED_ROLES, Role, capabilities_of, role_can

DEFAULT_DESIGNATION_LABELS = {
    "SLE": "Specialist leader of education",
    "LLE": "Local leader of education",
    "NLE": "National leader of education",
    "NLG": "National leader of governance",
}


def default_designation_labels() -> dict[str, str]:
    return dict(DEFAULT_DESIGNATION_LABELS)


class Partnership(models.Model):
    """The tenant: an organisation that runs school-to-school support for an area."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True, help_text="Used in the partnership's web addresses.")
    designation_labels = models.JSONField(
        default=default_designation_labels,
        help_text="Designation type code to the label this partnership uses.",
    )
    alliance_label = models.CharField(max_length=60, default="Teaching school alliance")
    four_eyes_approval = models.BooleanField(
        default=True, help_text="When on, the person who proposes a deployment cannot approve it."
    )
    variation_approval = models.BooleanField(
        default=True, help_text="When on, a change to an agreed deployment needs an approver's approval before both "
                                "sides confirm it (four-eyes applies as for deployments)."
    )
    offer_expiry_days = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    review_due_school_days = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    member_day_rate = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text="What a member school pays for a day of a system leader's time, in pounds.",
    )
    non_member_day_rate = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text="What a school outside the partnership pays for a day, in pounds.",
    )
    # System leadership (the leadership app): recruiting, designating and reviewing system leaders.
    panel_four_eyes = models.BooleanField(
        default=True, help_text="When on, a recruitment panel's decision needs a second panel member to confirm it."
    )
    designation_review_years = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Years after designation that a system leader's designation review falls due.",
    )
    overdue_leaders_in_matching = models.CharField(
        max_length=10, choices=[("flag", "Show them, flagged"), ("exclude", "Leave them out")], default="flag",
        help_text="How matching treats a system leader whose designation review is overdue.",
    )
    contact_email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tenant:home", kwargs={"partnership_slug": self.slug})


class PartnershipOwned(models.Model):
    """Rows that belong to one partnership. Queries outside a scope raise ScopeError."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager(partnership="partnership")

    class Meta:
        abstract = True


class Membership(PartnershipOwned):
    """A user's role in one partnership. Later issues add the links to schools, LAs and system leaders."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # When the member last opened their home page: the start of "since your last visit" next time.
    home_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    # For LA officers: the local authorities whose schools they may see.
    local_authorities = models.ManyToManyField("alliances.LocalAuthority", blank=True, related_name="+")
    # For headteachers: the schools they lead (requests are made for these).
    schools = models.ManyToManyField("alliances.School", blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partnership", "user"], name="membership_one_per_user"),
        ]
        indexes = [models.Index(fields=["user", "is_active"], name="membership_user_active")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    def can(self, capability: str) -> bool:
        return self.is_active and role_can(self.role, capability)

    @property
    def capabilities(self) -> frozenset[str]:
        """Everything this member may do, for templates: `{% if "notes.view" in membership.capabilities %}`."""
        return capabilities_of(self.role) if self.is_active else frozenset()

    @property
    def requires_mfa(self) -> bool:
        return self.role in MFA_REQUIRED_ROLES


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(PartnershipOwned):
    """An email address asked to join a partnership with a role, through a single-use link.

    Only the SHA-256 of the token is stored, so a database leak does not leak usable links.
    """

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # What the new member is linked to when they accept: the schools a headteacher leads, the LAs an LA officer
    # oversees (so an invited head can ask for support straight away).
    schools = models.ManyToManyField("alliances.School", blank=True, related_name="+")
    local_authorities = models.ManyToManyField("alliances.LocalAuthority", blank=True, related_name="+")

    objects = ScopedManager(partnership="partnership", _manager_class=models.Manager.from_queryset(InvitationQuerySet))

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} ({self.get_role_display()})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def status_label(self) -> str:
        if self.accepted_at:
            return "Accepted"
        if self.revoked_at:
            return "Withdrawn"
        if self.is_expired:
            return "Expired"
        return "Waiting"
