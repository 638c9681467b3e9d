"""When a visit may be logged, and on which days: pure rules the visit services and the pages both ask.

A visit is logged after it happens, on a school day of the partnership's calendar, between the deployment's
start and end. A real visit on a day that is not a school day (a Saturday conference, an INSET day the LA
calendar does not show) counts only with an explicit override and its reason.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from deployments.models import Deployment, DeploymentStatus
from portal.calendar.bank_holidays import is_bank_holiday
from portal.calendar.schooldays import SchoolCalendar
from portal.days import days_text
from portal.formats import date_text


def log_block(*, deployment: Deployment, today: date, logged: Decimal | None = None) -> str:
    """Why no visit can be logged on this deployment now (for its system leader), or "" when one can.
    `logged` is the days already logged, when the page knows them."""
    if deployment.status == DeploymentStatus.PAUSED:
        return "This deployment is paused, so visits cannot be logged until the broker resumes it."
    if deployment.status != DeploymentStatus.ACTIVE:
        return (f"This deployment is {deployment.get_status_display().lower()}, so visits cannot be logged. "
                "Visits are logged while the work is under way.")
    if today < deployment.start_date:
        return (f"The deployment starts on {date_text(deployment.start_date)}. Log each visit after it happens, "
                "from then on.")
    if logged is not None and logged >= deployment.days:
        return (f"All {days_text(deployment.days)} agreed days are logged. If the school needs more, ask the broker "
                "to propose a change to the agreement (see \u201cChanges to the agreement\u201d).")
    return ""


def why_not_a_school_day(day: date, calendar: SchoolCalendar) -> str:
    """"a Saturday", "a bank holiday", "in the school holidays", or "" for a school day."""
    if calendar.is_school_day(day):
        return ""
    if day.weekday() >= 5:
        return f"a {day:%A}"
    if is_bank_holiday(day):
        return "a bank holiday"
    return "in the school holidays"


def date_problem(day: date, *, deployment: Deployment, calendar: SchoolCalendar, today: date,
                 override_reason: str) -> str:
    """What is wrong with logging a visit on `day`, or "" when nothing is."""
    if day > today:
        return "Log a visit on or after the day it happened."
    if day < deployment.start_date:
        return f"The deployment starts on {date_text(deployment.start_date)}; log visits from then."
    if day > deployment.end_date:
        return (f"The deployment ends on {date_text(deployment.end_date)}, so a visit after that does not count. "
                "Ask the broker to change the dates.")
    why = why_not_a_school_day(day, calendar)
    if why and not override_reason.strip():
        return (f"{date_text(day, weekday=True)} is not a school day ({why}). If the visit really happened then, tick "
                "\u201cThis visit was on a day that is not a school day\u201d and say why.")
    return ""
