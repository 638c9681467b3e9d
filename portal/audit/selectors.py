from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, CharField, F, Func, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from portal.audit.models import AuditEvent
from portal.tenancy.models import Partnership


def recent_events(*, partnership: Partnership) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(partnership=partnership).select_related("actor", "object_type")


class _KeyAmong(Func):
    """`object_id = ANY(ARRAY(subquery))` on PostgreSQL: the subquery runs once, before the scan, and its keys
    are an index condition (`audit_object`) of its branch of the timeline's OR. As `IN (subquery)` it was a
    filter checked on every event of the partnership (260 ms at 300,000 events for a page of ten). Elsewhere
    (SQLite) `IN (subquery)`."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        column, keys = (compiler.compile(expression) for expression in self.get_source_expressions())
        among = "= ANY(ARRAY{})" if connection.vendor == "postgresql" else "IN {}"
        return f"{column[0]} {among.format(keys[0])}", (*column[1], *keys[1])


def timeline(*, partnership, objects: dict[type, QuerySet | list]) -> QuerySet[AuditEvent]:
    """Every audit event about the given objects, oldest first: who did what, when and why.

    Each model's objects are a queryset of its rows, read as a subquery, so a timeline is one query however
    many rows it covers; or the keys of rows the caller has already read (a list), written into the statement
    (an empty list adds nothing). Each model's events are found through the `audit_object` index (partnership,
    content type, key): its content type is one value read once by a scalar subquery, and its keys a list."""
    condition = Q(pk__in=[])
    for model, rows in objects.items():
        if isinstance(rows, QuerySet):
            keys = rows.order_by().values(audit_key=Cast("pk", output_field=CharField(max_length=20)))
            among = Q(_KeyAmong(F("object_id"), Subquery(keys)))
        elif rows:
            among = Q(object_id__in=[str(pk) for pk in rows])
        else:
            continue
        condition |= Q(object_type=Subquery(content_type(model))) & among
    return AuditEvent.objects.filter(condition, partnership=partnership).select_related(
        "actor", "object_type").order_by("created_at", "id")


def content_type(model: type) -> QuerySet[ContentType]:
    """The model's content type as a subquery, not through ContentType's per-process cache: a page then runs the
    same queries whether or not this process has looked the type up before (query counts stay fixed)."""
    return ContentType.objects.filter(app_label=model._meta.app_label, model=model._meta.model_name).values("pk")
