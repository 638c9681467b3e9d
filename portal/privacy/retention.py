"""Retention: the daily task that deletes what the portal no longer needs (periods in settings.RETENTION_DAYS).

Every part works in batches of `settings.RETENTION_BATCH_SIZE` rows, each in its own short transaction that locks
its rows with SKIP LOCKED: a second run at the same time takes other rows (or none), so two runs never block or
delete a row twice, and a run that dies keeps what it already did. Running it again finds nothing left to do.

All of it crosses partnerships (`global_*`): the task runs outside any tenant scope.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.audit.paths import pruning_before
from portal.audit.services import record_event
from portal.privacy.registry import RetentionRule, retention_rules
from portal.tenancy.models import Partnership
from portal.tenancy.rls import cross_partnership

logger = logging.getLogger(__name__)


def cutoff_for(period: str, now: datetime | None = None) -> datetime:
    """Rows older than this are past the period `period` (a key of settings.RETENTION_DAYS)."""
    return (now or timezone.now()) - timedelta(days=settings.RETENTION_DAYS[period])


def _delete_batches(queryset: models.QuerySet, *, path=nullcontext) -> int:
    """Delete every row of `queryset`, a batch per transaction (inside `path()`); rows another run holds are left
    to it."""
    removed = 0
    while True:
        with transaction.atomic(), path():
            batch = list(queryset.select_for_update(skip_locked=True).order_by("pk")
                         .values_list("pk", flat=True)[:settings.RETENTION_BATCH_SIZE])
            if not batch:
                return removed
            removed += queryset.model._base_manager.filter(pk__in=batch).delete()[0]


def global_prune_rule(rule: RetentionRule, *, now: datetime | None = None) -> int:
    """Delete the rows of one registered rule older than its period, in every partnership."""
    cutoff = cutoff_for(rule.period, now)
    with cross_partnership(f"retention: {rule.label}"):
        return _delete_batches(rule.model_class._base_manager.filter(**{f"{rule.date_field}__lt": cutoff}))


def global_prune_sessions(*, now: datetime | None = None) -> int:
    """Delete expired sessions. A database session store is pruned in batches; any other store clears its own
    (a cache expires its keys by itself)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        store.clear_expired()
        return 0
    return _delete_batches(store.get_model_class().objects.filter(expire_date__lt=now or timezone.now()))


def global_prune_audit_events(*, now: datetime | None = None) -> dict[int, int]:
    """Delete audit events older than their period, through the trigger's retention path, and record in each
    partnership what went and the new start of its log: the first event kept is the anchor a check of the log
    starts from. Returns partnership id -> events removed."""
    cutoff = cutoff_for("audit_events", now)
    removed: dict[int, int] = {}
    with cross_partnership("retention: audit events"):
        old = AuditEvent._base_manager.filter(created_at__lt=cutoff)
        for partnership_id in list(old.order_by().values_list("partnership_id", flat=True).distinct()):
            count = _delete_batches(old.filter(partnership_id=partnership_id),
                                    path=lambda: pruning_before(cutoff))
            if count:
                removed[partnership_id] = count
                _record_pruning(partnership_id, cutoff, count)
    return removed


def _record_pruning(partnership_id: int, cutoff: datetime, count: int) -> None:
    with transaction.atomic():
        partnership = Partnership.objects.get(pk=partnership_id)
        anchor = (AuditEvent._base_manager.filter(partnership_id=partnership_id).order_by("created_at", "pk")
                  .values("pk", "created_at").first())
        record_event(partnership=partnership, action="privacy.audit_pruned", obj=partnership, new={
            "removed": count, "pruned_before": cutoff.isoformat(),
            "retention_days": settings.RETENTION_DAYS["audit_events"],
            "first_kept_id": anchor["pk"] if anchor else None,
            "first_kept_at": anchor["created_at"].isoformat() if anchor else None,
        })


def global_enforce_retention(*, now: datetime | None = None) -> dict[str, int]:
    """Everything the retention periods say, once: registered rules, expired sessions, old audit events."""
    now = now or timezone.now()
    summary: dict[str, int] = {}
    for rule in retention_rules():
        summary[rule.label] = global_prune_rule(rule, now=now)
    summary["expired sessions"] = global_prune_sessions(now=now)
    summary["audit events"] = sum(global_prune_audit_events(now=now).values())
    logger.info("Retention: removed %s", ", ".join(f"{count} {label}" for label, count in summary.items()))
    return summary
