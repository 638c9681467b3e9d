from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from portal.audit.models import AuditEvent
from portal.tenancy.models import Partnership


def recent_events(*, partnership: Partnership) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(partnership=partnership).select_related("actor", "object_type")


def timeline(*, partnership, objects: dict[type, list[int]]) -> QuerySet[AuditEvent]:
    """Every audit event about the given objects, oldest first: who did what, when and why."""
    condition = Q(pk__in=[])
    for model, ids in objects.items():
        if ids:
            condition |= Q(object_type=ContentType.objects.get_for_model(model), object_id__in=[str(i) for i in ids])
    return AuditEvent.objects.filter(condition, partnership=partnership).select_related("actor").order_by("created_at", "id")
