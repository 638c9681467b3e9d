"""One way to write dates, times, money and days everywhere (`portal.formats`, `portal.days` and their template
filters), and convention tests that keep every template, email and Python message on them."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from portal.days import days_phrase, days_text
from portal.formats import date_text, datetime_text, money_text

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
LONDON, UTC = ZoneInfo("Europe/London"), ZoneInfo("UTC")


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


# The printers ------------------------------------------------------------------------------------------------------


def test_dates_are_written_the_gov_uk_way():
    assert date_text(date(2026, 9, 1)) == "1 September 2026"
    assert date_text(date(2026, 9, 1), weekday=True) == "Tuesday 1 September 2026"
    assert date_text(None) == "" and date_text("") == ""
    # A moment is a London date: 23:30 UTC on 31 August is already 1 September in summer time.
    assert date_text(datetime(2026, 8, 31, 23, 30, tzinfo=UTC)) == "1 September 2026"


@pytest.mark.parametrize(("moment", "text"), [
    (datetime(2026, 9, 1, 13, 5, tzinfo=UTC), "1 September 2026 at 2:05pm"),  # British Summer Time
    (datetime(2026, 12, 1, 14, 5, tzinfo=UTC), "1 December 2026 at 2:05pm"),  # Greenwich Mean Time
    (datetime(2026, 12, 1, 10, 0, tzinfo=LONDON), "1 December 2026 at 10am"),
    (datetime(2026, 12, 1, 12, 0, tzinfo=LONDON), "1 December 2026 at midday"),
    (datetime(2026, 12, 1, 0, 0, tzinfo=LONDON), "1 December 2026 at midnight"),
    (datetime(2026, 12, 1, 0, 30, tzinfo=LONDON), "1 December 2026 at 12:30am"),
])
def test_moments_are_written_in_london_time_with_am_and_pm(moment, text):
    assert datetime_text(moment) == text


def test_money_has_thousands_separated_and_pence():
    assert money_text(Decimal("1400")) == "£1,400.00"
    assert money_text(Decimal("350.5")) == "£350.50"
    assert money_text(Decimal("1234567.891")) == "£1,234,567.89"
    assert money_text(0) == "£0.00" and money_text("-12") == "-£12.00"
    assert money_text(None) == "" and money_text("not money") == ""


def test_days_never_read_none_days_1_days_or_4_0_days():
    assert [days_phrase(v) for v in (Decimal("1.0"), 1, Decimal("0.5"), Decimal("4.0"), "2.5", 10)] == [
        "1 day", "1 day", "0.5 days", "4 days", "2.5 days", "10 days"]
    assert days_phrase(None) == "" and days_text(None) == "" and days_text("") == ""
    assert days_text(Decimal("10.0")) == "10" and days_text(Decimal("1E+1")) == "10"


def test_the_template_filters_are_the_same_printers_and_need_no_load():
    source = ('{{ d|date_text }}|{{ d|date_text:"weekday" }}|{{ m|datetime_text }}|{{ amount|money_text }}|'
              '{{ one|days_phrase }}|{{ four|days_phrase }}|{{ four|days_text }}|{{ nothing|days_phrase|default:"Not given" }}')
    assert _render(source, d=date(2026, 9, 1), m=datetime(2026, 9, 1, 13, 5, tzinfo=UTC), amount=Decimal("1400"),
                   one=Decimal("1.0"), four=Decimal("4.0"), nothing=None) == (
        "1 September 2026|Tuesday 1 September 2026|1 September 2026 at 2:05pm|£1,400.00|1 day|4 days|4|Not given")


# Convention tests: every template and message uses them ----------------------------------------------------------

TEMPLATE_RULES = [
    # Django's |date only for machine-readable values: <time datetime="{{ d|date:'c' }}">.
    (re.compile(r"""\|date\b(?!:['"]c['"])"""), "prints a date without |date_text or |datetime_text"),
    (re.compile(r"\|floatformat"), "prints a number of days or money without |days_text, "
                                                  "|days_phrase or |money_text"),
    (re.compile(r"£\s*\{\{"), "prints money without |money_text"),
    (re.compile(r"\}\}\s*days?\b"), "writes 'days' after a number: use |days_phrase"),
    (re.compile(r"\}\}\s*day\{\{"), "pluralises days by hand: use |days_phrase"),
    (re.compile(r"""\|default:['"]None['"]"""), "shows the word None for an empty value: say what it means"),
]


def _template_files() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*") if path.suffix in (".html", ".txt")
                  and "admin" not in path.relative_to(TEMPLATES).parts)


def test_the_convention_check_sees_each_kind_of_leak():
    leaks = ['{{ d|date:"j M Y" }}', "{{ d|date }}", '{{ d.days|floatformat:"-1" }}', "£{{ cost }}",
             "{{ n }} days", "{{ n }} day{{ n|pluralize }}", '{{ notes|default:"None" }}']
    for leak in leaks:
        assert any(rule.search(leak) for rule, _ in TEMPLATE_RULES), leak
    fine = ["<time datetime=\"{{ e.created_at|date:'c' }}\">", "{{ d|date_text }}", "{{ n|days_phrase }}",
            "{{ cost|money_text }}", '{% govuk_field form.day_rate prefix="£" %}', "{{ update|default:'Never' }}"]
    for ok in fine:
        assert not any(rule.search(ok) for rule, _ in TEMPLATE_RULES), ok


def test_templates_print_dates_money_and_days_only_through_the_shared_filters():
    found = []
    for path in _template_files():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            found += [f"{path.relative_to(ROOT)}:{number} {why}" for rule, why in TEMPLATE_RULES if rule.search(line)]
    assert _template_files() and not found, "\n".join(found)


PYTHON_RULES = [
    (re.compile(r"%-?d %[bB]|%[bB] %Y|strftime\(\"%-?d"), "formats a date by hand: use portal.formats.date_text"),
    (re.compile(r"£\{"), "formats money by hand: use portal.formats.money_text"),
    # f"{n} days" reads "1 days" or "4.0 days"; a word in the braces ({'whole' if ...} day) is not a number.
    (re.compile(r"\{[^{}'\"]+\}\s*days?\b"), "writes 'days' after a number: use portal.days.days_phrase"),
]


def test_the_python_check_sees_each_kind_of_leak():
    leaks = ['f"on {day:%-d %B %Y}"', 'f"{day:%-d %b %Y}"', 'moment.strftime("%-d %B %Y")', 'f"£{cost:.2f}"',
             'f"{deployment.days} days"', 'f"has {count} days to answer"']
    for leak in leaks:
        assert any(rule.search(leak) for rule, _ in PYTHON_RULES), leak
    for ok in ['f"{days_phrase(n)} left"', """f"a {'whole' if one else 'half'} day" """, 'f"key:{due:%Y%m%d}"']:
        assert not any(rule.search(ok) for rule, _ in PYTHON_RULES), ok


def test_python_messages_write_dates_money_and_days_through_the_shared_printers():
    allowed = {ROOT / "portal" / "formats.py", ROOT / "portal" / "days.py"}
    found = []
    for app in ("portal", "alliances", "deployments", "reporting"):
        for path in (ROOT / app).rglob("*.py"):
            if path in allowed or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                found += [f"{path.relative_to(ROOT)}:{number} {why}" for rule, why in PYTHON_RULES if rule.search(line)]
    assert not found, "\n".join(found)
