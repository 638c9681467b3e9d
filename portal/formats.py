"""Dates, times and money as the portal writes them, in pages, emails and messages alike: the one printer
for each (days are `portal.days`). Templates reach them as filters (`portal.ui.templatetags.formats`).

GOV.UK style: "1 September 2026" (no leading zero, the month in full, no ordinal), "2:05pm", "midday",
"£1,400.00". Exports keep real dates and numbers instead (`portal.ui.csv_export`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone


def date_text(value: date | datetime | None, *, weekday: bool = False) -> str:
    """A date as "1 September 2026" ("Tuesday 1 September 2026" with `weekday`); a moment is read in London time."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    text = f"{value.day} {value:%B %Y}"
    return f"{value:%A} {text}" if weekday else text


def time_text(value: datetime) -> str:
    """A time of day as "2:05pm", "10am", "midday" or "midnight"."""
    if (value.hour, value.minute) == (12, 0):
        return "midday"
    if (value.hour, value.minute) == (0, 0):
        return "midnight"
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def datetime_text(value: datetime | None) -> str:
    """A moment as "1 September 2026 at 2:05pm", in London time."""
    if value is None or value == "":
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{date_text(local)} at {time_text(local)}"


def money_text(value) -> str:
    """Money as "£1,400.00": thousands separated and pence always shown. Empty for no amount."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"
