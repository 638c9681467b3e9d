"""The one way any row changes status, for every app: a compare-and-set with an audit event.

`move` is `UPDATE ... WHERE pk = %s AND status = <expected>`. When two people act at once exactly one update
matches a row; the other gets a clear message and nothing of theirs is written, because every service runs it
inside its transaction before writing anything else.

Feature apps register, from their AppConfig.ready(), the noun each model is called in messages and the
notifications a row settles when it leaves a status (`register_workflow`).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.audit.services import record_event
from portal.errors import Conflict
from portal.notifications.reading import settle
from portal.tenancy.models import Partnership


class TransitionNotAllowed(Conflict):
    pass


# Model name (lower case) to the noun used in messages, audit actions and notification subjects.
NOUNS: dict[str, str] = {}
# The notifications that ask someone to act on a row while it has a status: when the row leaves that status
# the act is done (or no longer possible), so `move` marks them read for everyone they went to. Acts that
# change no status call `settle` themselves.
SETTLED_BY_LEAVING: dict[tuple[str, str], tuple[str, ...]] = {}


def register_workflow(*, nouns: dict[str, str], settled_by_leaving: dict[tuple[str, str], tuple[str, ...]]) -> None:
    NOUNS.update(nouns)
    SETTLED_BY_LEAVING.update(settled_by_leaving)


def move(obj: models.Model, to: str, *, allowed: dict, actor=None, partnership: Partnership | None = None,
         note: str = "", action: str = "", expected: str | None = None, **changes) -> AuditEvent:
    """Change `obj.status` to `to` if nobody else changed it first; record who, what, when and why.

    `expected` is the status the caller saw (when `obj` is a fresher copy than the caller's): the update
    matches only if the row still has it.
    """
    model = type(obj)
    noun = NOUNS.get(model._meta.model_name, model._meta.verbose_name)
    source = expected if expected is not None else obj.status
    labels = dict(model._meta.get_field("status").choices)
    if to not in allowed.get(source, ()):
        raise TransitionNotAllowed(
            f"This {noun} is {str(labels.get(source, source)).lower()}, so it cannot become "
            f"{str(labels.get(to, to)).lower()}.")
    if any(field.name == "updated_at" for field in model._meta.concrete_fields):
        changes.setdefault("updated_at", timezone.now())
    if not model.objects.filter(pk=obj.pk, status=source).update(status=to, **changes):
        raise TransitionNotAllowed(f"Someone else changed this {noun} first. Reload the page to see what happened.")
    obj.status = to
    for key, value in changes.items():
        setattr(obj, key, value)
    user = getattr(actor, "user", actor)
    partnership = partnership or obj.partnership
    settle(partnership=partnership, subject=f"{noun}:{obj.pk}", event_types=SETTLED_BY_LEAVING.get((noun, source), ()))
    return record_event(partnership=partnership, actor=user, action=action or f"{noun}.{to}",
                        obj=obj, old={"status": source}, new={"status": to}, note=note)


def copy_state(target: models.Model, source: models.Model, *fields: str) -> None:
    """Bring the caller's copy of a row up to date with the copy a transition changed (status included):
    the one other place, besides `move`, that sets a status attribute."""
    for name in ("status", *fields):
        setattr(target, name, getattr(source, name))
