"""The rules a catalogue and each of its services must keep, as one list of problems per field.

The forms show every problem at once (with the GOV.UK error summary); the services ask the same function and
refuse the first, so nothing reaches the database that a page would have refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from programmes.models import CancellationRule, ServiceKind
from programmes.models.catalogue import DAY_KINDS, PAYG_KINDS
from programmes.money import academic_year_bounds

# The fields of a service that a broker sets (every other field is the catalogue's bookkeeping).
SERVICE_FIELDS = ("name", "description", "terms", "kind", "phases", "school_type_groups", "for_members",
                  "for_non_members", "days", "half_days_allowed", "annual", "member_price", "non_member_price",
                  "academy_price", "order_opens", "order_closes", "starts_on", "limit")
CATALOGUE_FIELDS = ("title", "introduction", "cancellation_rule", "cancellation_notice_days", "invoice_schedule",
                    "renewal_deadline")

# GIAS establishment type groups a school can belong to (gias_establishment_types_2025.csv), for "who may buy".
SCHOOL_TYPE_GROUPS = ("Local authority maintained schools", "Academies", "Free Schools", "Special schools",
                      "Independent schools", "Other types")


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def service_problems(values: dict, *, academic_year: str, sold: int = 0) -> list[Problem]:
    """Everything wrong with a service's values for a catalogue of `academic_year` (empty when all is well)."""
    problems: list[Problem] = []
    kind = values.get("kind")
    if not values.get("for_members") and not values.get("for_non_members"):
        problems.append(Problem("buyers", "Choose who may buy the service: member schools, other schools or both"))
    if kind == ServiceKind.CORE and values.get("for_non_members"):
        problems.append(Problem("buyers", "A core entitlement is for member schools only: untick other schools"))
    if values.get("for_non_members") and values.get("non_member_price") is None:
        problems.append(Problem("non_member_price",
                                "Enter the non-member price, because schools outside the partnership may buy it"))
    member, non_member = values.get("member_price"), values.get("non_member_price")
    if member is not None and non_member is not None and non_member < member:
        problems.append(Problem("non_member_price", "The non-member price cannot be lower than the member price"))
    if values.get("academy_price") is not None and not values.get("for_members"):
        problems.append(Problem("academy_price", "An academy price is for member academies: leave it empty when "
                                                 "member schools may not buy the service"))
    days = values.get("days") or Decimal(0)
    if kind in DAY_KINDS and days <= 0:
        label = dict(ServiceKind.choices)[kind].lower()
        problems.append(Problem("days", f"Enter the days a {label} includes"))
    if kind in PAYG_KINDS and days > 0:
        problems.append(Problem("days", "Pay as you go is charged for each visit, so it includes no days: enter 0"))
    problems += _date_problems(values, academic_year)
    limit = values.get("limit")
    if limit is not None and limit < sold:
        problems.append(Problem("limit", f"{sold} have already been sold, so the limit cannot be lower than {sold}"))
    return problems


def _date_problems(values: dict, academic_year: str) -> list[Problem]:
    problems = []
    first, last = academic_year_bounds(academic_year)
    opens, closes, starts = values.get("order_opens"), values.get("order_closes"), values.get("starts_on")
    if opens and closes and closes < opens:
        problems.append(Problem("order_closes", "The order window must close on or after the day it opens"))
    if closes and closes > last:
        problems.append(Problem("order_closes", f"The order window must close by the end of the academic year "
                                                f"{academic_year} (31 August {last.year})"))
    if starts and not first <= starts <= last:
        problems.append(Problem("starts_on", f"The service must start in the academic year {academic_year} "
                                             f"(1 September {first.year} to 31 August {last.year})"))
    return problems


def catalogue_problems(values: dict, *, academic_year: str) -> list[Problem]:
    problems = []
    rule, notice = values.get("cancellation_rule"), values.get("cancellation_notice_days") or 0
    if rule == CancellationRule.NOTICE and notice <= 0:
        problems.append(Problem("cancellation_notice_days", "Enter how many days' notice a school must give"))
    deadline: date | None = values.get("renewal_deadline")
    if deadline:
        _, last = academic_year_bounds(academic_year)
        if deadline > last:
            problems.append(Problem("renewal_deadline", f"The renewal deadline must be by the end of the academic "
                                                        f"year {academic_year} (31 August {last.year})"))
    return problems
