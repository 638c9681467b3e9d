from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from portal.tenancy.models import PartnershipOwned


class AuditEventImmutable(Exception):
    pass


class AuditEvent(PartnershipOwned):
    """Who did what to which object, when, and what changed. Append-only.

    Rows are never updated or deleted: `save()` refuses an existing row, `delete()` refuses, and on
    PostgreSQL a trigger refuses UPDATE and DELETE from any client.
    """

    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True, help_text="Who acted, kept if the user goes.")
    action = models.CharField(max_length=80)
    object_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    old = models.JSONField(default=dict, blank=True)
    new = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["partnership", "object_type", "object_id"], name="audit_object"),
            models.Index(fields=["partnership", "-created_at"], name="audit_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.action} on {self.object_repr} by {self.actor_label or 'the system'}"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, old, new) for every field the event records, in a stable order."""
        return [(key, self.old.get(key), self.new.get(key)) for key in sorted(set(self.old) | set(self.new))]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditEventImmutable("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEventImmutable("Audit events are append-only.")
