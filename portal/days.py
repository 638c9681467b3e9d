"""Numbers of days as the partnerships count them: whole or half days. The one parser and the one printer."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from portal.errors import DomainError


def _number(value) -> Decimal | None:
    try:
        number = Decimal(str(value)) if value is not None and value != "" else None
    except InvalidOperation:
        return None
    return number if number is not None and number.is_finite() else None


def days_text(value) -> str:
    """Days as people write them: 3, 2.5, 10 (never 3.0 or 1E+1). Empty for no number."""
    number = _number(value)
    return "" if number is None else f"{number.normalize():f}"


def days_phrase(value) -> str:
    """A number of days in words: "1 day", "2.5 days", "10 days" (never "1 days", "4.0 days" or "None days").
    Empty for no number, so a page can say what it means instead ("Not answered yet")."""
    number = _number(value)
    if number is None:
        return ""
    return f"{days_text(number)} day{'' if number == 1 else 's'}"


def is_half_days(value: Decimal) -> bool:
    return (value * 2) % 1 == 0


def half_days(value, *, what: str = "days", allow_zero: bool = False) -> Decimal:
    """`value` as a Decimal of whole or half days, or a DomainError that says how to write it."""
    try:
        number = Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0 or (number == 0 and not allow_zero) \
            or not is_half_days(number):
        raise DomainError(f"Enter the {what} in whole or half days, like 3 or 2.5.")
    return number
