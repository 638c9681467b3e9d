from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from portal.audit.models import AuditEvent
from portal.tenancy.models import Partnership

# Higher apps hear of events as they are recorded (in the same transaction), registered from their AppConfig.ready():
# the api app's outgoing webhooks write their outbox rows this way.
_listeners: list[Callable[[AuditEvent], None]] = []


def register_event_listener(listener: Callable[[AuditEvent], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def record_event(
    *,
    partnership: Partnership,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    """Append one audit event. Call it inside the service's transaction so both land or neither."""
    event = AuditEvent.objects.create(
        partnership=partnership,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor.email if actor is not None and actor.is_authenticated else "",
        action=action,
        object_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        old=old or {},
        new=new or {},
        note=note,
    )
    for listener in _listeners:
        listener(event)
    return event
