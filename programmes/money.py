"""Money and years: pence rounded half-up, academic and financial years, and the 7/12 and 5/12 split of an
annual charge across the two financial years an academic year straddles. Pure functions, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
# An academic year runs September to August: 7 months fall in the financial year that holds September
# (September to March) and 5 in the next (April to August).
MONTHS_BEFORE_APRIL = 7
MONTHS_IN_YEAR = 12


def pence(amount: Decimal | int | str) -> Decimal:
    """`amount` rounded to the penny, halves away from zero (0.005 → 0.01, -0.005 → -0.01)."""
    return Decimal(amount).quantize(PENNY, rounding=ROUND_HALF_UP)


def uplift(amount: Decimal, percent: Decimal) -> Decimal:
    """A price raised by `percent` (which may be negative or zero), to the penny."""
    return pence(Decimal(amount) * (Decimal(100) + Decimal(percent)) / Decimal(100))


def year_label(start_year: int) -> str:
    """'2018-19' for the year that starts in 2018."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def start_year(label: str) -> int:
    """2018 for '2018-19'. Refuses anything that is not a year label."""
    first, _, second = label.partition("-")
    if len(first) != 4 or len(second) != 2 or not (first.isascii() and first.isdigit()
                                                   and second.isascii() and second.isdigit()):
        raise ValueError(f"{label!r} is not a year such as 2018-19")
    if (int(first) + 1) % 100 != int(second):
        raise ValueError(f"{label!r} is not a year such as 2018-19: the two years must follow each other")
    return int(first)


def academic_year_of(day: date) -> str:
    """The academic year (1 September to 31 August) that holds `day`."""
    return year_label(day.year if day.month >= 9 else day.year - 1)


def financial_year_of(day: date) -> str:
    """The financial year (1 April to 31 March) that holds `day`."""
    return year_label(day.year if day.month >= 4 else day.year - 1)


def financial_year_bounds(label: str) -> tuple[date, date]:
    first = start_year(label)
    return date(first, 4, 1), date(first + 1, 3, 31)


def academic_year_bounds(label: str) -> tuple[date, date]:
    first = start_year(label)
    return date(first, 9, 1), date(first + 1, 8, 31)


@dataclass(frozen=True)
class Share:
    """The part of an annual charge that falls in one financial year, dated on the first day it covers."""

    financial_year: str
    months: int
    amount: Decimal
    charge_date: date


def split_annual(amount: Decimal, academic_year: str) -> tuple[Share, Share]:
    """An annual charge for `academic_year` split 7/12 (September to March) and 5/12 (April to August).

    The first share is rounded half-up to the penny and the second is the remainder, so the two always add up
    to the amount exactly (no penny gained or lost, however many lines are split)."""
    amount = pence(amount)
    first = start_year(academic_year)
    autumn = pence(amount * MONTHS_BEFORE_APRIL / MONTHS_IN_YEAR)
    return (
        Share(year_label(first), MONTHS_BEFORE_APRIL, autumn, date(first, 9, 1)),
        Share(year_label(first + 1), MONTHS_IN_YEAR - MONTHS_BEFORE_APRIL, amount - autumn, date(first + 1, 4, 1)),
    )


# The invoice dates of each schedule (programmes.models.InvoiceSchedule), as (month, day) in the calendar year.
INVOICE_DAYS = {
    "twice_yearly": ((4, 1), (9, 1)),
    "termly": ((1, 1), (4, 1), (9, 1)),
}


def invoice_date(schedule: str, day: date) -> date:
    """The first invoice date of `schedule` on or after `day` (monthly: the first of the next month, or the day
    itself when it is the first)."""
    if schedule == "monthly":
        if day.day == 1:
            return day
        return date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    try:
        days = INVOICE_DAYS[schedule]
    except KeyError:
        raise ValueError(f"Unknown invoice schedule {schedule!r}") from None
    for year in (day.year, day.year + 1):
        for month, dom in days:
            candidate = date(year, month, dom)
            if candidate >= day:
                return candidate
    raise AssertionError("unreachable: every schedule has a date in the next calendar year")
