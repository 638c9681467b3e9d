"""What platform operators do to the outbox by hand (from the Django admin)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from portal.audit.services import record_event
from portal.notifications.models import SENT_BY_WORKERS, Delivery, Notification
from portal.notifications.queueing import queue_on_commit
from portal.tenancy.rls import cross_partnership


def global_retry_failed(*, notification_ids: Iterable[int], operator) -> int:
    """Give failed immediate emails another go: each is due now, its attempts so far are kept, and the retry is
    audited in its partnership. Rows already sent, not failed or not immediate emails are left alone. Returns how
    many were queued (after the transaction commits)."""
    ids = list(notification_ids)
    with cross_partnership("an operator retries failed emails"), transaction.atomic():
        rows = list(
            Notification.objects.select_for_update().select_related("partnership")
            .filter(pk__in=ids, failed_at__isnull=False, sent_at__isnull=True,
                    channel__in=SENT_BY_WORKERS, delivery=Delivery.IMMEDIATE)
            .order_by("pk")
        )
        now = timezone.now()
        for row in rows:
            old = {"failed_at": row.failed_at.isoformat(), "last_error": row.last_error[:200]}
            Notification.objects.filter(pk=row.pk).update(failed_at=None, due_at=now, claimed_until=None)
            record_event(partnership=row.partnership, action="notification.retried", actor=operator, obj=row,
                         old=old, new={"failed_at": None}, note="Retried from the platform admin")
        for row in rows:  # one message for them all, published when the transaction commits
            queue_on_commit(partnership_id=row.partnership_id, notification_ids=[row.pk])
    return len(rows)
