"""Term calendars: read the CSV shape in ../shared/data/calendar, check a year for gaps and overlaps, save."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef

from portal import kept
from portal.audit.services import record_event
from portal.calendar.bank_holidays import is_bank_holiday
from portal.calendar.forms import MAX_CALENDAR_BYTES
from portal.calendar.models import CalendarPeriod, CalendarYear
from portal.calendar.schooldays import Period, SchoolCalendar
from portal.errors import DomainError, NotAllowed
from portal.formats import date_text
from portal.imports import Cell, RowError, UnreadableFile, csv_problem, decode_upload, read_header, unpack
from portal.tenancy.models import Membership

REQUIRED = {"academic_year", "period", "start_date", "end_date"}
TERMS = ("autumn", "spring", "summer")
CONFIRMED = {"", "final", "confirmed", "agreed"}


class CalendarInvalid(DomainError):
    def __init__(self, message: str, errors: list[RowError]):
        super().__init__(message)
        self.errors = errors


def normalise_year(value: str) -> str:
    """'2026-2027' or '2026-27' to '2026-27'."""
    match = re.fullmatch(r"([0-9]{4})\s*[-/]\s*([0-9]{2}|[0-9]{4})", value.strip(), re.ASCII)
    if not match:
        raise ValueError(f"academic_year must look like 2026-27, not {value!r}")
    start, end = int(match.group(1)), int(match.group(2)[-2:])
    if not 2000 <= start <= 2090:
        raise ValueError(f"academic_year must be between 2000-01 and 2090-91, not {value!r}")
    if (start + 1) % 100 != end:
        raise ValueError(f"academic_year must run from one year to the next, not {value!r}")
    return f"{start}-{end:02d}"


def classify(name: str) -> tuple[str, str, str | None]:
    """(kind, term, half) from a period name like 'Autumn term (first half)', 'Spring half term', 'Easter holiday'."""
    lowered = name.strip().lower()
    term = next((t for t in TERMS if lowered.startswith(t)), "")
    if "half term" in lowered or "half-term" in lowered:
        if not term:
            raise ValueError(f"a half term must name its term, like 'Autumn half term', not {name!r}")
        return "half_term", term, None
    if "holiday" in lowered or "break" in lowered:
        return "holiday", "", None
    if term and "term" in lowered:
        half = "first" if "first half" in lowered else "second" if "second half" in lowered else None
        return "term", term, half
    raise ValueError(f"cannot tell whether {name!r} is a term, a half term or a holiday")


@dataclass
class ParsedYear:
    periods: list[Period] = field(default_factory=list)
    extra: dict[int, dict[str, str]] = field(default_factory=dict)  # index in periods -> status, source_url
    incomplete_terms: set[str] = field(default_factory=set)  # terms known only by their first half

    def add(self, period: Period, extra: dict[str, str]) -> None:
        self.extra[len(self.periods)] = extra
        self.periods.append(period)

    @property
    def provisional(self) -> bool:
        """A row with a status other than final (proposed, consultation, provisional...) makes the year provisional."""
        return any(extra.get("status", "").lower() not in CONFIRMED for extra in self.extra.values())


def _parse_row(row: dict, line: int, errors: list[RowError]) -> tuple | None:
    """(year, kind, term, half, start, end) from one row, or None with the problem added to `errors`."""
    try:
        year = normalise_year(row["academic_year"] or "")
        kind, term, half = classify(row["period"] or "")
        start, end = Cell.date(row["start_date"] or ""), Cell.date(row["end_date"] or "")
    except ValueError as error:
        errors.append(RowError(line, "", str(error)))
        return None
    if start is None or end is None:
        errors.append(RowError(line, "start_date", "start_date and end_date are both needed"))
        return None
    if end < start:
        errors.append(RowError(line, "end_date", f"{row['period']} ends before it starts"))
        return None
    if len((row["period"] or "").strip()) > 80:
        errors.append(RowError(line, "period", "the period name is longer than 80 characters"))
        return None
    return year, kind, term, half, start, end


def _decode_calendar(content: bytes) -> str:
    """The file's text, read by the same rules as every upload (portal.imports.decode_upload)."""
    try:
        text = decode_upload(unpack(content, max_bytes=MAX_CALENDAR_BYTES))
        read_header(text)
    except UnreadableFile as error:
        raise CalendarInvalid(str(error), []) from None
    return text


def parse_calendar_csv(content: bytes, *, la_code: str | None = None) -> dict[str, ParsedYear]:
    """Periods by academic year from the calendar CSV. Terms given as two halves become one term.

    Raises CalendarInvalid listing every bad row and every problem with a year; the caller saves nothing then.
    """
    reader = csv.DictReader(io.StringIO(_decode_calendar(content), newline=""), strict=True)
    missing = REQUIRED - set(reader.fieldnames or [])
    if missing:
        raise CalendarInvalid(f"This is not a term-dates file: it is missing {', '.join(sorted(missing))}.", [])
    errors: list[RowError] = []
    halves: dict[tuple[str, str], list[tuple[str, date, date, dict]]] = defaultdict(list)
    years: dict[str, ParsedYear] = defaultdict(ParsedYear)
    las = set()
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as error:
            raise CalendarInvalid(f"The file cannot be read as CSV: {csv_problem(error, reader.line_num)}.", []) from None
        line = reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        row_la = (row.get("la_code") or "").strip()
        if la_code and row_la and row_la != la_code:
            continue
        las.add(row_la)
        parsed = _parse_row(row, line, errors)
        if parsed is None:
            continue
        year, kind, term, half, start, end = parsed
        extra = {"status": (row.get("status") or "").strip()[:40], "source_url": (row.get("source_url") or "").strip()[:500]}
        if kind == "term" and half:
            if any(existing[0] == half for existing in halves[(year, term)]):
                errors.append(RowError(line, "period", f"the {half} half of the {term} term {year} is given twice"))
                continue
            halves[(year, term)].append((half, start, end, extra))
        else:
            years[year].add(Period(year, kind, term, row["period"].strip(), start, end), extra)
    if len(las - {""}) > 1 and not la_code:
        raise CalendarInvalid(
            f"The file has dates for more than one local authority ({', '.join(sorted(las - {''}))}). Choose one.", [])
    for (year, term), parts in halves.items():
        parts.sort(key=lambda part: part[1])
        years[year].add(Period(year, "term", term, f"{term.title()} term", parts[0][1], parts[-1][2]), parts[0][3])
        if [p[0] for p in parts] == ["first"]:
            years[year].incomplete_terms.add(term)
    if errors:
        raise CalendarInvalid(f"Nothing was saved: {len(errors)} row{'s have' if len(errors) != 1 else ' has'} problems.", errors)
    problems = [RowError(0, year, problem) for year, parsed in sorted(years.items())
                for problem in check_year(year, parsed.periods)]
    if problems:
        raise CalendarInvalid("Nothing was saved: the dates have gaps or overlaps.", problems)
    return dict(years)


def _weekdays(start: date, end: date):
    day = start
    while day <= end:
        if day.weekday() < 5 and not is_bank_holiday(day):
            yield day
        day += timedelta(days=1)


def known_by_first_half(year_periods: list[Period]) -> set[str]:
    """Terms known only by their first half: the calendar stops at the term's half term (a proposed year that
    the LA has published up to February), so the half term comes straight after the term's last day and
    nothing else in the year starts after the term. The same shape `SchoolCalendar` reads as a term that runs
    on, estimated, to its usual end."""
    found = set()
    for term in (p for p in year_periods if p.kind == "term"):
        later = [p for p in year_periods if p.kind != "half_term" and p.start > term.end]
        halves = [h for h in year_periods if h.kind == "half_term" and h.term == term.term]
        if not later and any(h.start > term.start and h.end > term.end
                             and not list(_weekdays(term.end + timedelta(days=1), h.start - timedelta(days=1)))
                             for h in halves):
            found.add(term.term)
    return found


def check_year(year: str, periods: list[Period], *, gaps: bool = True) -> list[str]:
    """Plain-English problems with one academic year: outside 1 Sep to 31 Aug, overlaps, uncovered weekdays.

    The one set of rules for a year's dates: the import checks every year it reads with it, and every edit on
    the term dates page checks the year as it would be after the edit (`gaps=False` there: moving a boundary
    takes two edits, so a gap is shown as a warning until it is closed rather than refused)."""
    problems = []
    first, last = date(int(year[:4]), 9, 1), date(int(year[:4]) + 1, 8, 31)
    for p in periods:
        if p.start < first or p.end > last:
            problems.append(f"{p.name} ({date_text(p.start)} to {date_text(p.end)}) is outside the academic year "
                            f"1 September {first.year} to 31 August {last.year}.")
    terms = sorted((p for p in periods if p.kind == "term"), key=lambda p: p.start)
    seen_terms = [t.term for t in terms]
    for name in set(seen_terms):
        if seen_terms.count(name) > 1:
            problems.append(f"{year} has the {name} term more than once.")
    outside = sorted([p for p in periods if p.kind != "half_term"], key=lambda p: p.start)
    for before, after in zip(outside, outside[1:], strict=False):
        if after.start <= before.end:
            problems.append(f"{before.name} and {after.name} overlap ({date_text(after.start)}).")
        elif gaps:
            uncovered = list(_weekdays(before.end + timedelta(days=1), after.start - timedelta(days=1)))
            if uncovered:
                problems.append(f"There is a gap between {before.name} and {after.name}: "
                                f"{date_text(uncovered[0])} is in neither.")
    incomplete = known_by_first_half(periods)
    for half in (p for p in periods if p.kind == "half_term"):
        term = next((t for t in terms if t.term == half.term), None)
        if term is None:
            problems.append(f"{half.name} has no {half.term} term to sit in.")
        elif half.start < term.start or (half.end > term.end and half.term not in incomplete):
            # A term known only by its first half (a proposed calendar) may end before its half term.
            problems.append(f"{half.name} is not inside the {half.term} term.")
    return problems


def replace_years(*, partnership, years: dict[str, ParsedYear], provisional: bool = False) -> dict[str, int]:
    """Save checked years, each replacing whatever the partnership had for that year; a year is provisional when
    `provisional` says so or its rows are not final."""
    counts = {}
    for year, parsed in sorted(years.items()):
        CalendarYear.objects.update_or_create(partnership=partnership, academic_year=year,
                                              defaults={"provisional": provisional or parsed.provisional})
        CalendarPeriod.objects.filter(partnership=partnership, academic_year=year).delete()
        CalendarPeriod.objects.bulk_create([
            CalendarPeriod(partnership=partnership, academic_year=year, kind=p.kind, term=p.term, name=p.name,
                           start=p.start, end=p.end, **parsed.extra[index])
            for index, p in enumerate(parsed.periods)
        ])
        counts[year] = len(parsed.periods)
    return counts


@transaction.atomic
def import_calendar(*, actor: Membership, content: bytes, la_code: str | None = None,
                    provisional: bool = False) -> dict[str, int]:
    """Replace the academic years in the file with its dates (brokers and admins). All or nothing. With
    `provisional` (or rows whose status is not final) the years are marked provisional."""
    if not actor.can("calendar.manage"):
        raise NotAllowed("Your role does not let you change term dates.")
    years = parse_calendar_csv(content, la_code=la_code)
    if not years:
        raise CalendarInvalid("The file has no term dates" + (f" for LA {la_code}." if la_code else "."), [])
    counts = replace_years(partnership=actor.partnership, years=years, provisional=provisional)
    for year, parsed in sorted(years.items()):
        record_event(partnership=actor.partnership, actor=actor.user, action="calendar.imported",
                     new={"academic_year": year, "periods": len(parsed.periods),
                          "provisional": provisional or parsed.provisional}, note=f"LA {la_code}" if la_code else "")
    return counts


def calendar_for(*, partnership) -> list[Period]:
    """The partnership's periods, each knowing whether its year is provisional (one query)."""
    def build():
        provisional = CalendarYear.objects.filter(partnership=OuterRef("partnership"),
                                                  academic_year=OuterRef("academic_year"), provisional=True)
        return (CalendarPeriod.objects.filter(partnership=partnership).annotate(provisional=Exists(provisional))
                .order_by("start"))

    # Built and compiled once per partnership (portal.kept): every list with a term filter reads it.
    return [Period(p.academic_year, p.kind, p.term, p.name, p.start, p.end, p.provisional)
            for p in kept.rows(("calendar_for", getattr(partnership, "pk", partnership)), build)]


def provisional_years(*, partnership) -> set[str]:
    return set(CalendarYear.objects.filter(partnership=partnership, provisional=True).values_list("academic_year", flat=True))


def set_year_provisional(*, actor: Membership, academic_year: str, provisional: bool) -> None:
    """Mark a year provisional (the LA has not confirmed it) or confirmed, with an audit event if it changed."""
    year, created = CalendarYear.objects.get_or_create(partnership=actor.partnership, academic_year=academic_year,
                                                       defaults={"provisional": provisional})
    if created or year.provisional == provisional:
        return
    year.provisional = provisional
    year.save(update_fields=["provisional"])
    record_event(partnership=actor.partnership, actor=actor.user, action="calendar.year_provisional", obj=year,
                 old={"provisional": not provisional}, new={"provisional": provisional})


def school_calendar(*, partnership) -> SchoolCalendar:
    """The partnership's terms and school days (one query)."""
    return SchoolCalendar(calendar_for(partnership=partnership))


def _check_with(partnership, year: str, replace: CalendarPeriod | None, new: Period | None) -> None:
    """Overlaps, half terms outside terms and dates outside the year are refused at once. A gap is not:
    moving a boundary takes two edits, so gaps are shown on the term dates page until they are closed
    (imports, which give whole years, refuse gaps too)."""
    periods = [Period(p.academic_year, p.kind, p.term, p.name, p.start, p.end)
               for p in CalendarPeriod.objects.filter(partnership=partnership, academic_year=year)
               if replace is None or p.pk != replace.pk]
    if new is not None:
        periods.append(new)
    problems = check_year(year, periods, gaps=False)
    if problems:
        raise CalendarInvalid("Nothing was saved: " + " ".join(problems), [])


def year_warnings(*, partnership) -> dict[str, list[str]]:
    """Gaps and other problems in each saved year, to show until someone fixes them."""
    by_year: dict[str, list[Period]] = defaultdict(list)
    for p in CalendarPeriod.objects.filter(partnership=partnership):
        by_year[p.academic_year].append(Period(p.academic_year, p.kind, p.term, p.name, p.start, p.end))
    return {year: problems for year, periods in by_year.items() if (problems := check_year(year, periods))}


@transaction.atomic
def save_period(*, actor: Membership, period: CalendarPeriod | None, academic_year: str, kind: str, term: str,
                name: str, start: date, end: date, provisional: bool | None = None) -> CalendarPeriod:
    """Add or change one term, half term or holiday; the whole year is checked again (brokers and admins).
    `provisional`, when given, marks the whole year provisional or confirmed."""
    if not actor.can("calendar.manage"):
        raise NotAllowed("Your role does not let you change term dates.")
    try:
        year = normalise_year(academic_year)
    except ValueError as error:
        raise DomainError(str(error).capitalize() + ".") from None
    if end < start:
        raise DomainError("The end date must be on or after the start date.")
    # Lock the years' rows so two brokers editing the same year cannot both pass the check.
    years = {year} | ({period.academic_year} if period else set())
    list(CalendarPeriod.objects.select_for_update().filter(partnership=actor.partnership, academic_year__in=years))
    _check_with(actor.partnership, year, period, Period(year, kind, term if kind != "holiday" else "", name, start, end))
    if period is not None and period.academic_year != year:
        _check_with(actor.partnership, period.academic_year, period, None)
    values = {"academic_year": year, "kind": kind, "term": term if kind != "holiday" else "", "name": name,
              "start": start, "end": end}
    if period is None:
        period = CalendarPeriod.objects.create(partnership=actor.partnership, **values)
        old = {}
    else:
        old = {k: str(getattr(period, k)) for k in values}
        for key, value in values.items():
            setattr(period, key, value)
        period.save()
    record_event(partnership=actor.partnership, actor=actor.user, action="calendar.period_saved", obj=period,
                 old=old, new={k: str(v) for k, v in values.items()})
    if provisional is not None:
        set_year_provisional(actor=actor, academic_year=year, provisional=provisional)
    return period


@transaction.atomic
def delete_period(*, actor: Membership, period: CalendarPeriod) -> None:
    if not actor.can("calendar.manage"):
        raise NotAllowed("Your role does not let you change term dates.")
    list(CalendarPeriod.objects.select_for_update().filter(partnership=actor.partnership, academic_year=period.academic_year))
    remaining = CalendarPeriod.objects.filter(partnership=actor.partnership, academic_year=period.academic_year).exclude(pk=period.pk)
    if remaining.exists():
        _check_with(actor.partnership, period.academic_year, period, None)
    record_event(partnership=actor.partnership, actor=actor.user, action="calendar.period_deleted", obj=period,
                 old={"name": period.name, "start": str(period.start), "end": str(period.end)})
    period.delete()
