"""The portal's one way to print dates, times, money and days in a template (a builtin library, no `{% load %}`).

* `{{ d|date_text }}` "1 September 2026"; `{{ d|date_text:"weekday" }}` "Tuesday 1 September 2026".
* `{{ moment|datetime_text }}` "1 September 2026 at 2:05pm" (London time).
* `{{ amount|money_text }}` "£1,400.00".
* `{{ n|days_phrase }}` "1 day", "2.5 days"; `{{ n|days_text }}` "2.5" (a table's Days column).

Django's `|date` is kept only for machine-readable values (`<time datetime="{{ d|date:'c' }}">`), and
`tests/ui/test_formats.py` fails when a template prints a date, money or a number of days another way.
"""

from __future__ import annotations

from django import template

from portal import days, formats

register = template.Library()


@register.filter
def date_text(value, style: str = "") -> str:
    return formats.date_text(value, weekday=style == "weekday")


@register.filter
def datetime_text(value) -> str:
    return formats.datetime_text(value)


@register.filter
def money_text(value) -> str:
    return formats.money_text(value)


@register.filter
def days_phrase(value) -> str:
    return days.days_phrase(value)


@register.filter
def days_text(value) -> str:
    return days.days_text(value)
