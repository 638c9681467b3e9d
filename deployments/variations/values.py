"""What a change to a deployment may propose, and writing it to the deployment once both sides agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from alliances.models import Specialism
from deployments.models import Deployment, Objective, RateKind, Variation
from portal.audit.services import record_event
from portal.calendar.schooldays import SchoolCalendar, academic_year_of
from portal.days import days_text, half_days
from portal.errors import DomainError, NotAllowed
from portal.formats import date_text


@dataclass(frozen=True)
class Proposed:
    """A deployment's agreed values: what it has now, or what a change proposes. Objectives as
    `Variation.new_objectives` holds them ("id" empty for one the change adds)."""

    days: Decimal
    start_date: date
    end_date: date
    rate_kind: str
    day_rate: Decimal
    objectives: list[dict]


def objective_row(objective: Objective) -> dict:
    return {"id": objective.pk, "area_id": objective.area_id, "area": objective.area.name,
            "description": objective.description, "success_criteria": objective.success_criteria}


def current_values(deployment: Deployment, objectives: list[Objective] | None = None) -> Proposed:
    """The deployment's values as a change records them (its objectives read once, unless given)."""
    if objectives is None:
        objectives = list(Objective.objects.filter(deployment=deployment).select_related("area"))
    return Proposed(days=deployment.days, start_date=deployment.start_date, end_date=deployment.end_date,
                    rate_kind=deployment.rate_kind, day_rate=deployment.day_rate,
                    objectives=[objective_row(o) for o in objectives])


def objectives_input(current: list[dict], edits: list[tuple[str, str]], added: tuple | None) -> list[dict]:
    """The objectives a change proposes: each current one with its edited description and success criteria
    (in order), and `added` (area, description, success criteria) when the broker adds one."""
    rows = [{**objective, "description": description.strip(), "success_criteria": success.strip()}
            for objective, (description, success) in zip(current, edits, strict=True)]
    if added is not None:
        area, description, success = added
        rows.append({"id": None, "area_id": area.pk, "area": area.name, "description": description.strip(),
                     "success_criteria": success.strip()})
    return rows


def _check_dates(proposed: Proposed, calendar: SchoolCalendar, visit_dates: tuple[date, date] | None) -> None:
    if proposed.end_date < proposed.start_date:
        raise DomainError("The end date must be on or after the start date.", field="end_date")
    for field, day in (("start_date", proposed.start_date), ("end_date", proposed.end_date)):
        year = academic_year_of(day)
        if calendar.years and year not in calendar.years:
            known = ", ".join(sorted(calendar.years))
            raise DomainError(f"{date_text(day)} is outside the partnership's term dates (it has {known}). Choose a "
                              f"date inside them, or ask a broker or admin to add the {year} term dates first.",
                              field=field)
    if visit_dates is not None:
        first, last = visit_dates
        if proposed.start_date > first:
            raise DomainError(f"A visit was logged on {date_text(first)}, so the start date cannot be after it.",
                              field="start_date")
        if proposed.end_date < last:
            raise DomainError(f"A visit was logged on {date_text(last)}, so the end date cannot be before it.",
                              field="end_date")


def check_values(deployment: Deployment, proposed: Proposed, *, logged_days: Decimal,
                 visit_dates: tuple[date, date] | None, calendar: SchoolCalendar, partnership) -> None:
    """Refuse a change that changes nothing, goes below the days already logged, puts the dates out of order,
    outside the term dates or away from visits already logged, or names an objective wrongly."""
    try:
        half_days(proposed.days)
    except DomainError as error:
        raise DomainError(str(error), field="days") from None
    if proposed.days < logged_days:
        raise DomainError(f"{days_text(logged_days)} {'day is' if logged_days == 1 else 'days are'} already logged, so "
                          "the days cannot go below that.", field="days")
    _check_dates(proposed, calendar, visit_dates)
    if proposed.rate_kind not in RateKind.values or proposed.day_rate is None or proposed.day_rate < 0:
        raise DomainError("Choose the rate and enter the day rate in pounds, like 350 or 412.50.", field="day_rate")
    for objective in proposed.objectives:
        if not objective["description"] or not objective["success_criteria"]:
            raise DomainError("Give each objective a description and success criteria.")
        if objective["id"] is None and not Specialism.objects.filter(pk=objective["area_id"],
                                                                       partnership=partnership).exists():
            raise NotAllowed("That need area is not in this partnership.")
    if proposed == current_values(deployment):
        raise DomainError("Nothing has changed. Change the days, dates, objectives or rate, or go back to the "
                          "deployment.")


def apply(*, actor, variation: Variation, deployment: Deployment) -> None:
    """Write the agreed values to the deployment (locked by the caller) and record both versions on its timeline."""
    Deployment.objects.filter(pk=deployment.pk).update(
        days=variation.new_days, start_date=variation.new_start_date, end_date=variation.new_end_date,
        rate_kind=variation.new_rate_kind, day_rate=variation.new_day_rate)
    deployment.refresh_from_db(fields=["days", "start_date", "end_date", "rate_kind", "day_rate", "updated_at"])
    existing = {o.pk: o for o in Objective.objects.filter(deployment=deployment)}
    for position, row in enumerate(variation.new_objectives):
        objective = existing.get(row["id"]) if row["id"] else None
        if objective is None:
            Objective.objects.create(partnership_id=deployment.partnership_id, deployment=deployment,
                                     area_id=row["area_id"], description=row["description"],
                                     success_criteria=row["success_criteria"], position=position)
        elif (objective.description, objective.success_criteria) != (row["description"], row["success_criteria"]):
            objective.description, objective.success_criteria = row["description"], row["success_criteria"]
            objective.save(update_fields=["description", "success_criteria"])
    changes = variation.changes()
    record_event(partnership=deployment.partnership, actor=getattr(actor, "user", actor), action="deployment.varied",
                 obj=deployment, old={"changes": [[what, before] for what, before, _ in changes]},
                 new={"changes": [[what, after] for what, _, after in changes]}, note=variation.reason)
