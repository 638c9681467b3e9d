from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from portal.audit.models import AuditEvent
from portal.tenancy.models import Partnership


def recent_events(*, partnership: Partnership) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(partnership=partnership).select_related("actor", "object_type")


def timeline(*, partnership, objects: dict[type, QuerySet]) -> QuerySet[AuditEvent]:
    """Every audit event about the given objects, oldest first: who did what, when and why.

    Each model's objects are a queryset of its rows, read as a subquery, so a timeline is one query however
    many rows it covers."""
    condition = Q(pk__in=[])
    for model, rows in objects.items():
        keys = rows.order_by().values(audit_key=Cast("pk", output_field=CharField(max_length=20)))
        condition |= Q(object_type__in=content_type(model), object_id__in=keys)
    return AuditEvent.objects.filter(condition, partnership=partnership).select_related(
        "actor", "object_type").order_by("created_at", "id")


def content_type(model: type) -> QuerySet[ContentType]:
    """The model's content type as a subquery, not through ContentType's per-process cache: a page then runs the
    same queries whether or not this process has looked the type up before (query counts stay fixed)."""
    return ContentType.objects.filter(app_label=model._meta.app_label, model=model._meta.model_name).values("pk")
