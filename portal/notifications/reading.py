"""Marking in-app notifications read because the task they asked for is done.

A notification that asks someone to act (answer an offer, confirm a visit, agree a review...) stops being
news once the act is done, whoever did it: the service that does it calls `settle`, and the badge drops.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from portal.accounts.models import User
from portal.notifications.models import Channel, Notification
from portal.tenancy.models import Partnership


def settle(*, partnership: Partnership, subject: str, event_types: Iterable[str], recipient: User | None = None) -> int:
    """Mark read the unread in-app notifications of `event_types` about `subject` ("offer:42"): for everyone
    they went to, or only `recipient` when the task was theirs alone (one side of an agreement). One
    indexed UPDATE; returns how many rows it marked."""
    event_types = list(event_types)
    if not event_types:
        return 0
    rows = Notification.objects.filter(partnership=partnership, subject=subject, event_type__in=event_types,
                                       channel=Channel.IN_APP, read_at__isnull=True)
    if recipient is not None:
        rows = rows.filter(recipient=recipient)
    return rows.update(read_at=timezone.now())
