"""Running programmes: create and change a programme, publish and archive it; a programme's cohorts (open, cancel,
complete), their sessions (on school days unless a reason is given, keeping the cohort's first and last dates) and
their facilitators.

programme: draft -> published -> archived. cohort: draft -> open (needs a session) -> completed; draft or open ->
cancelled (with a reason). Every status change goes through `portal.workflow.move`; every other change is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from alliances.models import SystemLeader
from portal.audit.services import record_event
from portal.calendar.bank_holidays import is_bank_holiday
from portal.calendar.schooldays import SchoolCalendar
from portal.calendar.services import school_calendar
from portal.errors import Conflict, DomainError, NotAllowed
from portal.formats import date_text
from portal.tenancy.models import Membership
from portal.workflow import copy_state, move
from programmes.courses.clashes import Clash, clashes_for
from programmes.models import (
    Cohort,
    CohortStatus,
    Facilitator,
    Programme,
    ProgrammeStatus,
    Service,
    ServiceKind,
    ServiceStatus,
    Session,
)
from programmes.money import academic_year_of

PROGRAMME_MOVES = {ProgrammeStatus.DRAFT: (ProgrammeStatus.PUBLISHED, ProgrammeStatus.ARCHIVED),
                   ProgrammeStatus.PUBLISHED: (ProgrammeStatus.ARCHIVED,)}
COHORT_MOVES = {CohortStatus.DRAFT: (CohortStatus.OPEN, CohortStatus.CANCELLED),
                CohortStatus.OPEN: (CohortStatus.COMPLETED, CohortStatus.CANCELLED)}
PROGRAMME_FIELDS = ("title", "summary", "aims", "outcomes", "audiences", "phases", "delivery_partner",
                    "completion_attendance", "completion_needs_evaluation")
COHORT_FIELDS = ("name", "academic_year", "service", "places", "minimum", "applications_open", "applications_close",
                 "offer_days")
SESSION_FIELDS = ("title", "date", "starts_at", "ends_at", "venue", "online_link", "non_school_day_reason")

# Called with (actor, cohort, reason) after a cohort is cancelled: slice "places" withdraws its places then.
_on_cancel: list[Callable] = []


def register_cohort_cancelled(hook: Callable) -> None:
    if hook not in _on_cancel:
        _on_cancel.append(hook)


# Called with (cohort, actor) after a cohort's places are increased: slice "places" offers them to the waitlist.
_on_places_added: list[Callable] = []


def register_places_added(hook: Callable) -> None:
    if hook not in _on_places_added:
        _on_places_added.append(hook)


def _require(actor: Membership) -> None:
    if not actor.can("programmes.manage"):
        raise NotAllowed("Only brokers and partnership admins run programmes.")


def _plain(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if isinstance(value, Service):
            value = value.pk
        out[key] = value if value is None or isinstance(value, (bool, int, list)) else str(value)
    return out


def _changes(obj, fields, values) -> tuple[dict, dict]:
    old = {key: getattr(obj, key) for key in fields if key in values}
    new = {key: values[key] for key in old if values[key] != old[key]}
    return {key: old[key] for key in new}, new


# Programmes ----------------------------------------------------------------------------------------------------

@transaction.atomic
def create_programme(*, actor: Membership, values: dict) -> Programme:
    """A draft programme. Audited."""
    _require(actor)
    fields = {key: values[key] for key in PROGRAMME_FIELDS if key in values}
    programme = Programme.objects.create(partnership=actor.partnership, created_by=actor.user, **fields)
    record_event(partnership=actor.partnership, actor=actor.user, action="programme.created", obj=programme,
                 new=_plain(fields))
    return programme


@transaction.atomic
def update_programme(*, actor: Membership, programme: Programme, values: dict) -> Programme:
    """Change a programme's details (an archived one no longer changes). Audited."""
    _require(actor)
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    if locked.status == ProgrammeStatus.ARCHIVED:
        raise Conflict("This programme is archived, so its details no longer change.")
    old, new = _changes(locked, PROGRAMME_FIELDS, values)
    if new:
        for key, value in new.items():
            setattr(locked, key, value)
        locked.save(update_fields=[*new, "updated_at"])
        record_event(partnership=actor.partnership, actor=actor.user, action="programme.updated", obj=locked,
                     old=_plain(old), new=_plain(new))
    return locked


@transaction.atomic
def publish_programme(*, actor: Membership, programme: Programme) -> None:
    """Everyone in the partnership with programmes.view sees it (and its open cohorts) from now on."""
    _require(actor)
    move(programme, ProgrammeStatus.PUBLISHED, allowed=PROGRAMME_MOVES, actor=actor)


@transaction.atomic
def archive_programme(*, actor: Membership, programme: Programme) -> None:
    """No new cohorts; cohorts still running carry on."""
    _require(actor)
    move(programme, ProgrammeStatus.ARCHIVED, allowed=PROGRAMME_MOVES, actor=actor)


# Cohorts -------------------------------------------------------------------------------------------------------

def place_services(*, partnership, academic_year: str):
    """The published programme-place services in the catalogue of `academic_year`: what a place may cost."""
    return (Service.objects.filter(partnership=partnership, kind=ServiceKind.PROGRAMME_PLACE,
                                   status=ServiceStatus.PUBLISHED, catalogue__academic_year=academic_year)
            .select_related("catalogue").order_by("name", "pk"))


def _check_cohort(partnership, values: dict) -> None:
    service = values.get("service")
    if service is not None and not place_services(partnership=partnership,
                                                  academic_year=values["academic_year"]).filter(pk=service.pk).exists():
        raise DomainError(f"Choose a programme place on sale in the {values['academic_year']} catalogue.",
                          field="service")
    if values.get("minimum") and values.get("places") and values["minimum"] > values["places"]:
        raise DomainError("The minimum cannot be more than the places.", field="minimum")
    opens, closes = values.get("applications_open"), values.get("applications_close")
    if opens and closes and closes < opens:
        raise DomainError("Applications must close on or after the day they open.", field="applications_close")


@transaction.atomic
def create_cohort(*, actor: Membership, programme: Programme, values: dict) -> Cohort:
    """A draft cohort of a programme that is not archived. Audited."""
    _require(actor)
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    if locked.status == ProgrammeStatus.ARCHIVED:
        raise Conflict("This programme is archived: it takes no new cohorts.")
    _check_cohort(actor.partnership, values)
    fields = {key: values[key] for key in COHORT_FIELDS if key in values}
    cohort = Cohort.objects.create(partnership=actor.partnership, programme=locked, created_by=actor.user, **fields)
    record_event(partnership=actor.partnership, actor=actor.user, action="cohort.created", obj=cohort,
                 new=_plain(fields), note=f"Of {locked.title}")
    return cohort


@transaction.atomic
def update_cohort(*, actor: Membership, cohort: Cohort, values: dict) -> Cohort:
    """Change a draft or open cohort. Its places never go below those already taken."""
    _require(actor)
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if locked.status not in (CohortStatus.DRAFT, CohortStatus.OPEN):
        raise Conflict(f"This cohort is {locked.get_status_display().lower()}, so it no longer changes.")
    if values.get("places") is not None and values["places"] < locked.taken:
        raise DomainError(f"{locked.taken} places are already taken: the cohort needs at least that many.",
                          field="places")
    _check_cohort(actor.partnership, {**{k: getattr(locked, k) for k in COHORT_FIELDS}, **values})
    old, new = _changes(locked, COHORT_FIELDS, values)
    if new:
        for key, value in new.items():
            setattr(locked, key, value)
        locked.save(update_fields=[*new, "updated_at"])
        record_event(partnership=actor.partnership, actor=actor.user, action="cohort.updated", obj=locked,
                     old=_plain(old), new=_plain(new))
        if new.get("places", 0) > old.get("places", new.get("places", 0)):
            for hook in _on_places_added:
                hook(cohort=locked, actor=actor)
    return locked


@transaction.atomic
def open_cohort(*, actor: Membership, cohort: Cohort) -> None:
    """Places may be nominated and applied for. Needs at least one session."""
    _require(actor)
    if not Session.objects.filter(partnership=cohort.partnership_id, cohort=cohort).exists():
        raise DomainError("Add at least one session before opening the cohort.")
    if not Programme.objects.filter(pk=cohort.programme_id, status=ProgrammeStatus.PUBLISHED).exists():
        raise DomainError("Publish the programme before opening one of its cohorts: nobody else can see it yet.")
    move(cohort, CohortStatus.OPEN, allowed=COHORT_MOVES, actor=actor)


@transaction.atomic
def cancel_cohort(*, actor: Membership, cohort: Cohort, reason: str) -> None:
    """The cohort will not run. The places slice withdraws its places through `register_cohort_cancelled`."""
    _require(actor)
    if not reason.strip():
        raise DomainError("Say why the cohort is cancelled.", field="note")
    move(cohort, CohortStatus.CANCELLED, allowed=COHORT_MOVES, actor=actor, note=reason)
    for hook in _on_cancel:
        hook(actor=actor, cohort=cohort, reason=reason)


@transaction.atomic
def complete_cohort(*, actor: Membership, cohort: Cohort) -> None:
    _require(actor)
    move(cohort, CohortStatus.COMPLETED, allowed=COHORT_MOVES, actor=actor)


# Sessions ------------------------------------------------------------------------------------------------------

def why_not_a_school_day(day: date, calendar: SchoolCalendar) -> str:
    """"a Saturday", "a bank holiday", "in the school holidays", or "" for a school day."""
    if calendar.is_school_day(day):
        return ""
    if day.weekday() >= 5:
        return f"a {day:%A}"
    if is_bank_holiday(day):
        return "a bank holiday"
    return "in the school holidays"


def session_problem(values: dict, *, calendar: SchoolCalendar) -> DomainError | None:
    """What stops a session being saved, or None."""
    if values["ends_at"] <= values["starts_at"]:
        return DomainError("The session must end after it starts.", field="ends_at")
    if not (values.get("venue") or "").strip() and not (values.get("online_link") or "").strip():
        return DomainError("Enter a venue or an online link (or both).", field="venue")
    why = why_not_a_school_day(values["date"], calendar)
    if why and not (values.get("non_school_day_reason") or "").strip():
        return DomainError(f"{date_text(values['date'])} is {why}, not a school day. Say why the session is then, "
                           "or choose a school day.", field="non_school_day_reason")
    return None


def _keep_dates(cohort: Cohort) -> None:
    """Cohort.starts_on and ends_on are the first and last session's dates."""
    span = Session.objects.filter(partnership=cohort.partnership_id, cohort=cohort).aggregate(
        first=Min("date"), last=Max("date"))
    # updated_at moves too: the calendar feed's events take their SEQUENCE from it.
    Cohort.objects.filter(pk=cohort.pk).update(starts_on=span["first"], ends_on=span["last"], updated_at=timezone.now())
    cohort.starts_on, cohort.ends_on = span["first"], span["last"]


def _locked_live(cohort: Cohort) -> Cohort:
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if locked.status not in (CohortStatus.DRAFT, CohortStatus.OPEN):
        raise Conflict(f"This cohort is {locked.get_status_display().lower()}, so its sessions no longer change.")
    return locked


def _clean_session(values: dict, calendar: SchoolCalendar) -> dict:
    fields = {key: values.get(key, "") for key in SESSION_FIELDS}
    if not why_not_a_school_day(fields["date"], calendar):
        fields["non_school_day_reason"] = ""
    problem = session_problem(fields, calendar=calendar)
    if problem:
        raise problem
    return fields


@transaction.atomic
def add_session(*, actor: Membership, cohort: Cohort, values: dict) -> tuple[Session, list[Clash]]:
    """A session of a draft or open cohort; returns it with its clashes (a warning to show, not a refusal)."""
    _require(actor)
    locked = _locked_live(cohort)
    fields = _clean_session(values, school_calendar(partnership=locked.partnership_id))
    session = Session.objects.create(partnership=locked.partnership, cohort=locked, **fields)
    _keep_dates(locked)
    copy_state(cohort, locked, "starts_on", "ends_on")
    record_event(partnership=actor.partnership, actor=actor.user, action="session.created", obj=session,
                 new=_plain(fields), note=f"In {locked.name}")
    return session, session_clashes(session)


@transaction.atomic
def change_session(*, actor: Membership, session: Session, values: dict) -> tuple[Session, list[Clash]]:
    _require(actor)
    locked = _locked_live(session.cohort)
    current = Session.objects.select_for_update().get(pk=session.pk)
    fields = _clean_session(values, school_calendar(partnership=locked.partnership_id))
    old, new = _changes(current, SESSION_FIELDS, fields)
    if new:
        for key, value in new.items():
            setattr(current, key, value)
        current.save(update_fields=list(new))
        _keep_dates(locked)
        record_event(partnership=actor.partnership, actor=actor.user, action="session.updated", obj=current,
                     old=_plain(old), new=_plain(new))
    return current, session_clashes(current)


@transaction.atomic
def remove_session(*, actor: Membership, session: Session) -> None:
    """Delete a session whose register is not taken."""
    _require(actor)
    locked = _locked_live(session.cohort)
    current = Session.objects.select_for_update().get(pk=session.pk)
    if current.register_taken_at is not None:
        raise Conflict("This session's register is taken, so it stays.")
    record_event(partnership=actor.partnership, actor=actor.user, action="session.removed", obj=current,
                 old={"title": current.title, "date": str(current.date)})
    current.delete()
    _keep_dates(locked)


def session_clashes(session: Session) -> list[Clash]:
    facilitators = list(Facilitator.objects.filter(partnership=session.partnership_id, cohort_id=session.cohort_id))
    return clashes_for(partnership=session.partnership_id, sessions=[session], facilitators=facilitators)


# Facilitators --------------------------------------------------------------------------------------------------

@transaction.atomic
def add_facilitator(*, actor: Membership, cohort: Cohort, leader: SystemLeader | None = None, name: str = "",
                    email: str = "", organisation: str = "") -> Facilitator:
    """A system leader of the partnership, or an outside person by name (email and organisation optional)."""
    _require(actor)
    locked = _locked_live(cohort)
    if leader is not None:
        if leader.partnership_id != locked.partnership_id:
            raise DomainError("Choose a system leader of this partnership.", field="leader")
        name, email, organisation = leader.name, "", ""
    elif not name.strip():
        raise DomainError("Choose a system leader, or enter the outside facilitator's name.", field="name")
    try:
        with transaction.atomic():
            facilitator = Facilitator.objects.create(partnership=locked.partnership, cohort=locked, leader=leader,
                                                     name=name.strip(), email=email.strip(),
                                                     organisation=organisation.strip())
    except IntegrityError:
        raise DomainError(f"{name} already facilitates this cohort.", field="leader") from None
    record_event(partnership=actor.partnership, actor=actor.user, action="facilitator.added", obj=facilitator,
                 new={"name": facilitator.name, "leader": leader.pk if leader else None}, note=f"In {locked.name}")
    return facilitator


@transaction.atomic
def remove_facilitator(*, actor: Membership, facilitator: Facilitator) -> None:
    _require(actor)
    _locked_live(facilitator.cohort)
    record_event(partnership=actor.partnership, actor=actor.user, action="facilitator.removed", obj=facilitator,
                 old={"name": facilitator.name})
    Facilitator.objects.filter(pk=facilitator.pk).delete()


def current_year() -> str:
    return academic_year_of(timezone.localdate())
