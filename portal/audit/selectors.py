from __future__ import annotations

from django.db.models import QuerySet

from portal.audit.models import AuditEvent
from portal.tenancy.models import Partnership


def recent_events(*, partnership: Partnership) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(partnership=partnership).select_related("actor", "object_type")
