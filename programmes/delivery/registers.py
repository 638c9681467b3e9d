"""Taking a session's register: every accepted participant present, late or absent (with a reason), saved at once.
Taking it again corrects it (the marks are upserted) and the audit log keeps what changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from portal.audit.services import record_event
from portal.errors import DomainError, NotAllowed
from portal.formats import date_text
from portal.tenancy.models import Membership
from programmes.delivery.completion import update_completion
from programmes.delivery.selectors import accepted_places, is_facilitator
from programmes.models import Attendance, AttendanceMark, Cohort, Session

REASON_MAX = 300


@dataclass(frozen=True)
class Mark:
    attendance: str
    reason: str = ""


class Participant(NamedTuple):
    """What the register page needs of an accepted place: its key and the participant's name."""

    pk: int
    name: str


def register_rows(session: Session) -> tuple[list[Participant], dict[int, tuple[str, str]]]:
    """The register as its page shows it: every accepted participant of the session's cohort, by name, and the mark
    (attendance, reason) of each one already marked. One query: each place's mark is looked up by its unique
    (session, place) key instead of being read with the model's ordering, which joined three tables to sort it."""
    marks = AttendanceMark.objects.filter(session_id=session.pk, place_id=OuterRef("pk")).order_by()
    rows = (accepted_places(session.cohort)
            .annotate(mark=Subquery(marks.values("attendance")), reason=Subquery(marks.values("absence_reason")))
            .values_list("pk", "name", "mark", "reason"))
    places: list[Participant] = []
    current: dict[int, tuple[str, str]] = {}
    for pk, name, attendance, reason in rows:
        places.append(Participant(pk, name))
        if attendance is not None:
            current[pk] = (attendance, reason)
    return places, current


def may_take_register(actor: Membership, session: Session) -> bool:
    """The steering group or an admin with registers.take, or a facilitator of the session's cohort."""
    if not actor.can("registers.take"):
        return False
    return actor.can("programmes.manage") or is_facilitator(actor, session.cohort_id)


def too_early(session: Session, today: date) -> str:
    """Why the register cannot be taken yet, or "" once the session's day has come."""
    if session.date > today:
        return f"You can take this register from {date_text(session.date)}, the day of the session."
    return ""


def take_register(*, actor: Membership, session: Session, marks: dict[int, Mark], today: date | None = None) -> int:
    """Save a mark for every accepted participant of the session's cohort (all of them, at once) and note who took
    the register and when. Returns how many marks changed."""
    today = today or timezone.localdate()
    if not may_take_register(actor, session):
        raise NotAllowed("Only the cohort's facilitators and the steering group can take this register.")
    problem = too_early(session, today)
    if problem:
        raise DomainError(problem)
    places = list(accepted_places(session.cohort).values_list("pk", "name"))
    missing = [name for pk, name in places if pk not in marks]
    if missing:
        raise DomainError(f"Mark every participant: {', '.join(missing)} has no mark yet.")
    for pk, name in places:
        mark = marks[pk]
        if mark.attendance not in Attendance.values:
            raise DomainError(f"Choose present, late or absent for {name}.")
        if mark.attendance == Attendance.ABSENT and not mark.reason.strip():
            raise DomainError(f"Give the reason {name} was absent.")
    now = timezone.now()
    with transaction.atomic():
        # The cohort first, as every change of its places does: completion is worked out over the whole cohort, so
        # two registers (or a register and an evaluation) saved at once take turns and the second sees the first.
        Cohort.objects.select_for_update().filter(pk=session.cohort_id).first()
        locked = Session.objects.select_for_update().get(pk=session.pk)
        before = {place_id: (attendance, reason) for place_id, attendance, reason in AttendanceMark.objects.filter(
            session=session).values_list("place_id", "attendance", "absence_reason")}
        rows = [AttendanceMark(partnership=session.partnership, session=session, place_id=pk,
                               attendance=marks[pk].attendance,
                               absence_reason=marks[pk].reason.strip()[:REASON_MAX]
                               if marks[pk].attendance == Attendance.ABSENT else "",
                               recorded_by=actor.user, recorded_at=now) for pk, _ in places]
        changed = {row.place_id: (row.attendance, row.absence_reason) for row in rows
                   if before.get(row.place_id) != (row.attendance, row.absence_reason)}
        AttendanceMark.objects.bulk_create(rows, update_conflicts=True, unique_fields=["session", "place"],
                                           update_fields=["attendance", "absence_reason", "recorded_by",
                                                          "recorded_at"])
        retaken = locked.register_taken_at is not None
        Session.objects.filter(pk=session.pk).update(register_taken_at=now, register_taken_by=actor.user)
        session.register_taken_at, session.register_taken_by = now, actor.user
        names = dict(places)
        record_event(partnership=session.partnership, actor=actor.user, obj=session,
                     action="register.corrected" if retaken else "register.taken",
                     old={f"{names[pk]} (place {pk})": list(before[pk]) for pk in changed if pk in before},
                     new={f"{names[pk]} (place {pk})": list(value) for pk, value in changed.items()},
                     note=f"{len(rows)} participants: {sum(r.attendance != 'absent' for r in rows)} attended")
        update_completion(session.cohort, actor=actor.user)
    return len(changed)
