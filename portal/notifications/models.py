from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.tenancy.models import PartnershipOwned


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    IN_APP = "in_app", "In the portal"
    SMS = "sms", "Text message"


#: The channels a worker delivers from the outbox (in-app rows are delivered by being written).
SENT_BY_WORKERS = (Channel.EMAIL, Channel.SMS)


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Straight away"
    DIGEST = "digest", "In a weekly digest"


class Notification(PartnershipOwned):
    """One message to one recipient on one channel: the transactional outbox.

    Written in the same transaction as the change it reports; delivered by a Celery task queued on
    commit (one message per transaction), and queued again by the sweeper if it is still unsent a
    minute later. The unique dedupe key makes "notify once" a database guarantee.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    email = models.EmailField(help_text="Where an email goes; kept for recipients without an account.")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    event_type = models.CharField(max_length=60)
    # What the notification is about ("offer:42", the occurrence's first two parts): doing the task it asks
    # for marks it read (`portal.notifications.reading.settle`).
    subject = models.CharField(max_length=60, blank=True, default="")
    dedupe_key = models.CharField(max_length=255, unique=True)
    title = models.CharField(max_length=255)
    link = models.CharField(max_length=500, blank=True)
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # When the next delivery attempt is due: creation, then later after each transient failure. The
    # sweeper re-queues only rows overdue by its grace period, so it never races a scheduled retry.
    due_at = models.DateTimeField(default=timezone.now)
    # Every delivery attempt, counted when a worker claims the row (so an attempt that died mid-send counts).
    attempts = models.PositiveSmallIntegerField(default=0)
    # A worker's claim: until then no other worker (nor the sweeper) touches the row. See deliver_notification.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "partnership", "-created_at"],
                condition=Q(channel="in_app"),
                name="notification_centre",
            ),
            models.Index(
                fields=["partnership", "subject", "event_type"],
                condition=Q(channel="in_app", read_at__isnull=True),
                name="notification_unread_subject",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                name="notification_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.email} ({self.channel})"

    @property
    def message_id(self) -> str:
        """Stable across retries, so a receiving server can drop a duplicate."""
        return f"<notification-{self.pk}.{self.partnership_id}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


class Preference(models.TextChoices):
    IMMEDIATE = "immediate", "Straight away"
    DIGEST = "digest", "In a weekly digest"
    OFF = "off", "Do not email me"


class NotificationPreference(models.Model):
    """How a user wants email for one event type, in every partnership. Not tenant-owned: it is the user's."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=60)
    choice = models.CharField(max_length=10, choices=Preference.choices, default=Preference.IMMEDIATE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event_type"], name="preference_one_per_event")]

    def __str__(self) -> str:
        return f"{self.user}: {self.event_type} {self.choice}"
