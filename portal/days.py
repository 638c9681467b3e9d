"""Numbers of days as the partnerships count them: whole or half days. The one parser and the one printer."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from portal.errors import DomainError


def days_text(value) -> str:
    """Days as people write them: 3, 2.5, 10 (never 3.0 or 1E+1)."""
    return f"{Decimal(value).normalize():f}"


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
