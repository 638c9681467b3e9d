"""Term calendars: the real LA files, gaps and overlaps refused, bank holidays, school-day arithmetic."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django.asserts import assertRedirects

from portal.audit.models import AuditEvent
from portal.calendar import services
from portal.calendar.bank_holidays import bank_holidays
from portal.calendar.models import CalendarPeriod
from portal.calendar.schooldays import Period, SchoolCalendar
from tests.pages import parsed as parse
from tests.pages import text

CALENDAR = settings.SHARED_DATA_DIR / "calendar" / "term_dates_cambridgeshire_suffolk.csv"


def test_bank_holidays_match_the_published_dates():
    assert sorted(bank_holidays(2026)) == [date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
                                           date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28)]
    assert {date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)} <= bank_holidays(2022)
    assert date(2020, 5, 8) in bank_holidays(2020) and date(2020, 5, 4) not in bank_holidays(2020)
    assert {date(2027, 12, 27), date(2027, 12, 28)} <= bank_holidays(2027)  # Christmas on a Saturday
    assert {date(2024, 3, 29), date(2024, 4, 1)} <= bank_holidays(2024)  # Easter from the package's rule


def test_both_shapes_in_the_real_file_are_read():
    data = CALENDAR.read_bytes()
    cambs = services.parse_calendar_csv(data, la_code="873")
    assert sorted(cambs) == ["2019-20", "2020-21", "2026-27"]
    autumn = next(p for p in cambs["2020-21"].periods if p.kind == "term" and p.term == "autumn")
    assert (autumn.start, autumn.end) == (date(2020, 9, 3), date(2020, 12, 18))  # two halves made one term
    assert cambs["2026-27"].incomplete_terms == {"spring"}  # the proposed year stops at February half term
    suffolk = services.parse_calendar_csv(data, la_code="935")["2014-15"]
    assert [p.term for p in suffolk.periods if p.kind == "term"] == ["autumn", "spring", "summer"]
    with pytest.raises(services.CalendarInvalid, match="more than one local authority"):
        services.parse_calendar_csv(data)


def _csv(rows):
    lines = ["academic_year,period,start_date,end_date"] + [",".join(r) for r in rows]
    return "\n".join(lines).encode()


GOOD = [
    ("2026-27", "Autumn term", "2026-09-01", "2026-12-18"),
    ("2026-27", "Autumn half term", "2026-10-26", "2026-10-30"),
    ("2026-27", "Christmas holiday", "2026-12-21", "2027-01-01"),
    ("2026-27", "Spring term", "2027-01-04", "2027-03-26"),
]


@pytest.mark.parametrize(("change", "message"), [
    ((3, ("2026-27", "Spring term", "2027-01-06", "2027-03-26")), "gap between Christmas holiday and Spring term: 4 January 2027"),
    ((2, ("2026-27", "Christmas holiday", "2026-12-18", "2027-01-03")), "Autumn term and Christmas holiday overlap"),
    ((1, ("2026-27", "Autumn half term", "2026-12-20", "2026-12-24")), "Autumn half term is not inside the autumn term"),
    ((0, ("2026-27", "Autumn term", "2026-08-28", "2026-12-18")), "is outside the academic year"),
    ((0, ("2026-27", "Autumn term", "2026-09-01", "2026-08-01")), "ends before it starts"),
    ((0, ("2026-28", "Autumn term", "2026-09-01", "2026-12-18")), "must run from one year to the next"),
    ((0, ("9999-00", "Autumn term", "2026-09-01", "2026-12-18")), "must be between 2000-01 and 2090-91"),
    ((0, ("2026-27", "Autumn term " + "x" * 80, "2026-09-01", "2026-12-18")), "longer than 80 characters"),
    ((0, ("2026-27", "Mystery", "2026-09-01", "2026-12-18")), "cannot tell whether 'Mystery'"),
])
def test_gaps_overlaps_and_bad_rows_are_refused(change, message):
    rows = list(GOOD)
    index, row = change
    rows[index] = row
    with pytest.raises(services.CalendarInvalid) as error:
        services.parse_calendar_csv(_csv(rows))
    assert any(message in e.reason for e in error.value.errors), [e.reason for e in error.value.errors]


def test_importing_replaces_a_year_all_or_nothing(broker):
    with scope(partnership=broker.partnership):
        counts = services.import_calendar(actor=broker, content=CALENDAR.read_bytes(), la_code="873")
        assert counts == {"2019-20": 6, "2020-21": 8, "2026-27": 5}
        with pytest.raises(services.CalendarInvalid):
            services.import_calendar(actor=broker, content=_csv([GOOD[0], GOOD[2], ("2026-27", "Spring term", "2027-01-08", "2027-03-26")]))
        assert CalendarPeriod.objects.filter(academic_year="2026-27").count() == 5  # unchanged
        services.import_calendar(actor=broker, content=_csv(GOOD))
        assert CalendarPeriod.objects.filter(academic_year="2026-27").count() == 4
    assert AuditEvent.objects.filter(action="calendar.imported").count() == 4


def test_headteachers_read_term_dates_but_cannot_import(client, headteacher, broker):
    with scope(partnership=broker.partnership):
        services.import_calendar(actor=broker, content=_csv(GOOD))
    client.force_login(headteacher.user)
    page = text(client.get(f"/p/{headteacher.partnership.slug}/term-dates/"))
    assert "Christmas holiday" in page and "Import term dates" not in page


def test_the_import_page_lists_every_problem(client, broker):
    client.force_login(broker.user)
    bad = _csv([GOOD[0], GOOD[2], ("2026-27", "Spring term", "2027-01-08", "2027-03-26")])
    response = client.post(f"/p/{broker.partnership.slug}/term-dates/import/",
                           {"file": SimpleUploadedFile("dates.csv", bad)})
    body = response.content.decode()
    assert "There is a problem" in body and "gap between Christmas holiday and Spring term" in body
    ok = client.post(f"/p/{broker.partnership.slug}/term-dates/import/",
                     {"file": SimpleUploadedFile("dates.csv", CALENDAR.read_bytes()), "la_code": "873"}, follow=True)
    assert "Term dates saved for 2019-20, 2020-21, 2026-27" in ok.content.decode()


def test_editing_a_period_rechecks_the_year(client, broker):
    with scope(partnership=broker.partnership):
        services.import_calendar(actor=broker, content=_csv(GOOD))
    with scopes_disabled():
        christmas = CalendarPeriod.objects.get(name="Christmas holiday")
    client.force_login(broker.user)
    url = f"/p/{broker.partnership.slug}/term-dates/{christmas.pk}/"
    data = {"academic_year": "2026-27", "kind": "holiday", "term": "", "name": "Christmas holiday",
            "start": "21/12/2026", "end": "30/12/2026"}
    calendar = f"/p/{broker.partnership.slug}/term-dates/"
    # A gap is allowed for a moment (moving a boundary takes two edits) and shown until it is closed.
    assertRedirects(client.post(url, data), calendar, fetch_redirect_response=False)
    page = client.get(calendar).content.decode()
    assert "2026-27 needs fixing" in page and "gap between Christmas holiday and Spring term" in page
    data["end"] = "3/1/2027"
    assertRedirects(client.post(url, data), calendar, fetch_redirect_response=False)
    page = text(client.get(calendar))
    assert "Christmas holiday" in page and "needs fixing" not in page
    with scopes_disabled():
        assert CalendarPeriod.objects.get(pk=christmas.pk).end == date(2027, 1, 3)
    # Overlaps are refused outright.
    data["start"] = "18/12/2026"
    assert "Autumn term and Christmas holiday overlap" in client.post(url, data).content.decode()
    # A term needs to say which term it is.
    data.update(kind="term", term="", start="21/12/2026")
    assert "Select which term this is" in client.post(url, data).content.decode()


# School-day arithmetic ----------------------------------------------------------------------------

def _calendar():
    periods = services.parse_calendar_csv(CALENDAR.read_bytes(), la_code="873")
    return SchoolCalendar([p for year in periods.values() for p in year.periods])


def test_school_days_skip_weekends_half_terms_holidays_and_bank_holidays():
    cal = _calendar()
    assert cal.is_school_day(date(2020, 11, 2)) and not cal.is_school_day(date(2020, 10, 28))  # half term
    assert cal.next_school_day(date(2020, 12, 19)) == date(2021, 1, 4)  # over Christmas
    assert not cal.is_school_day(date(2021, 5, 3))  # early May bank holiday inside the summer term
    # A review due 10 school days before the end of the 2020-21 autumn term (18 December 2020).
    assert cal.school_days_before(date(2020, 12, 18), 10) == date(2020, 12, 4)
    assert cal.school_days_between(date(2020, 9, 3), date(2020, 12, 18)) == 72  # 77 weekdays less half term


@st.composite
def calendars(draw):
    """Generated academic years: three terms with half terms, holidays between, any start year incl. leap years."""
    year = draw(st.integers(min_value=2000, max_value=2090))
    start = date(year, 9, 1) + timedelta(days=draw(st.integers(0, 6)))
    periods, cursor = [], start
    for term in ("autumn", "spring", "summer"):
        length = draw(st.integers(min_value=40, max_value=100))
        end = cursor + timedelta(days=length)
        half = cursor + timedelta(days=draw(st.integers(10, length - 15)))
        periods.append(Period(f"{year}-{(year + 1) % 100:02d}", "term", term, term, cursor, end))
        periods.append(Period(f"{year}-{(year + 1) % 100:02d}", "half_term", term, "half", half, half + timedelta(days=4)))
        cursor = end + timedelta(days=draw(st.integers(1, 20)))
    return SchoolCalendar(periods)


@hypothesis_settings(max_examples=150, deadline=None)
@given(calendars(), st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=25))
def test_no_school_day_falls_in_a_holiday_and_counting_back_is_exact(cal, offset, count):
    day = cal.terms[0].start + timedelta(days=offset)
    found = cal.next_school_day(day)
    if found is not None:
        assert found >= day and cal.is_school_day(found) and found.weekday() < 5
        assert found not in bank_holidays(found.year)
        assert all(not cal.is_school_day(day + timedelta(days=i)) for i in range((found - day).days))
    back = cal.school_days_before(cal.terms[-1].end, count)
    if back is not None:
        assert cal.is_school_day(back)
        assert cal.school_days_between(back, cal.terms[-1].end) == count + 1


def test_a_half_given_twice_and_unreadable_csv_are_refused():
    rows = [("2026-27", "Autumn term (first half)", "2026-09-01", "2026-10-23"),
            ("2026-27", "Autumn term (first half)", "2026-09-02", "2026-10-22")]
    with pytest.raises(services.CalendarInvalid) as error:
        services.parse_calendar_csv(_csv(rows))
    assert "the first half of the autumn term 2026-27 is given twice" in error.value.errors[0].reason
    huge = b"academic_year,period,start_date,end_date\n2026-27,\"" + b"x" * 200_000 + b"\",2026-09-01,2026-12-18\n"
    with pytest.raises(services.CalendarInvalid, match="cannot be read as CSV"):
        services.parse_calendar_csv(huge)


def test_counting_school_days_back_starts_from_the_last_school_day_on_or_before():
    cal = _calendar()
    # 18 Dec 2020 is a Friday and a school day: it is day 0.
    assert cal.school_days_before(date(2020, 12, 18), 1) == date(2020, 12, 17)
    # Saturday 12 Dec is not a school day: day 0 is Friday 11 Dec, so 1 back is Thursday 10 Dec.
    assert cal.school_days_before(date(2020, 12, 12), 0) == date(2020, 12, 11)
    assert cal.school_days_before(date(2020, 12, 12), 1) == date(2020, 12, 10)
    # Monday 14 Dec is a school day: 1 back is Friday 11 Dec.
    assert cal.school_days_before(date(2020, 12, 14), 1) == date(2020, 12, 11)


# Provisional years (issue 12) -----------------------------------------------------------------------


def test_a_proposed_year_is_imported_as_provisional_and_the_page_says_so(client, broker, headteacher):
    """Cambridgeshire's 2026-27 rows are 'proposed (consultation)': that year is provisional, 2020-21 is not."""
    from portal.calendar.models import CalendarYear

    with scope(partnership=broker.partnership):
        services.import_calendar(actor=broker, content=CALENDAR.read_bytes(), la_code="873")
        assert set(CalendarYear.objects.filter(provisional=True).values_list("academic_year", flat=True)) == {"2026-27"}
        assert services.school_calendar(partnership=broker.partnership).term_for(date(2026, 10, 1)).provisional
        assert not services.school_calendar(partnership=broker.partnership).term_for(date(2020, 10, 1)).provisional
    client.force_login(headteacher.user)
    response = client.get(f"/p/{broker.partnership.slug}/term-dates/")
    captions = {c.get_text(" ", strip=True) for c in parse(response).select("caption")}
    assert "2026-27 Provisional" in captions and "2020-21" in captions


def test_the_import_and_the_edit_form_set_the_provisional_flag(client, broker):
    from portal.calendar.models import CalendarYear

    client.force_login(broker.user)
    slug = broker.partnership.slug
    client.post(f"/p/{slug}/term-dates/import/", {"file": SimpleUploadedFile("dates.csv", _csv(GOOD)), "provisional": "on"})
    with scopes_disabled():
        assert CalendarYear.objects.get(academic_year="2026-27").provisional
        christmas = CalendarPeriod.objects.get(name="Christmas holiday")
    url = f"/p/{slug}/term-dates/{christmas.pk}/"
    assert parse(client.get(url)).select_one("input[name=provisional]").has_attr("checked")
    data = {"academic_year": "2026-27", "kind": "holiday", "term": "", "name": "Christmas holiday",
            "start": "21/12/2026", "end": "3/1/2027"}  # unticked: the LA has confirmed the year
    assertRedirects(client.post(url, data), f"/p/{slug}/term-dates/", fetch_redirect_response=False)
    with scopes_disabled():
        assert not CalendarYear.objects.get(academic_year="2026-27").provisional
        assert AuditEvent.objects.filter(action="calendar.year_provisional").count() == 1
    assert "Provisional" not in text(client.get(f"/p/{slug}/term-dates/"))


def test_a_term_the_calendar_lacks_is_estimated_and_says_so():
    cal = SchoolCalendar([Period("2026-27", "term", "autumn", "Autumn term", date(2026, 9, 1), date(2026, 12, 18))])
    assert cal.term_for(date(2026, 10, 1)).caveat == ""
    spring = cal.term_for(date(2027, 2, 1))
    assert spring.estimated and spring.caveat == "Estimated: there are no term dates for the spring term 2026-27 yet"
    assert SchoolCalendar([]).term_for(date(2031, 10, 1)).estimated
    provisional = SchoolCalendar([Period("2026-27", "term", "autumn", "Autumn term", date(2026, 9, 1),
                                         date(2026, 12, 18), provisional=True)])
    assert provisional.term_for(date(2026, 10, 1)).caveat.startswith("Provisional")
    # How sure a term is does not change which term it is: ledger rows and reviews key on it.
    assert provisional.term_for(date(2026, 10, 1)) == cal.term_for(date(2026, 10, 1))


# One set of rules for import and edit (issue 18) ---------------------------------------------------------


def test_a_year_known_up_to_its_spring_half_term_can_be_edited_after_it_is_imported(client, broker):
    """Cambridgeshire's proposed 2026-27 stops at the February half term: the import accepts it, and so must
    every edit of that year (it used to refuse each one with 'Spring half term is not inside the spring term')."""
    with scope(partnership=broker.partnership):
        services.import_calendar(actor=broker, content=CALENDAR.read_bytes(), la_code="873")
    with scopes_disabled():
        half = CalendarPeriod.objects.get(academic_year="2026-27", name="Spring half term")
        spring = CalendarPeriod.objects.get(academic_year="2026-27", kind="term", term="spring")
    client.force_login(broker.user)
    slug = broker.partnership.slug
    data = {"academic_year": "2026-27", "kind": "half_term", "term": "spring", "name": "Spring half term",
            "start": "15/2/2027", "end": "19/2/2027", "provisional": "on"}
    assertRedirects(client.post(f"/p/{slug}/term-dates/{half.pk}/", data), f"/p/{slug}/term-dates/",
                    fetch_redirect_response=False)
    data.update(kind="term", name="Spring term", start="4/1/2027", end="12/2/2027")
    assertRedirects(client.post(f"/p/{slug}/term-dates/{spring.pk}/", data), f"/p/{slug}/term-dates/",
                    fetch_redirect_response=False)
    # Adding the Easter holiday before the rest of the spring term is refused, as the import would refuse it.
    easter = {"academic_year": "2026-27", "kind": "holiday", "term": "", "name": "Easter holiday",
              "start": "29/3/2027", "end": "9/4/2027"}
    assert "Spring half term is not inside the spring term" in client.post(f"/p/{slug}/term-dates/new/", easter).content.decode()


@pytest.mark.parametrize("rows", [
    [GOOD[0], GOOD[1], GOOD[2], ("2026-27", "Spring term", "2027-01-04", "2027-02-12"),
     ("2026-27", "Spring half term", "2027-02-15", "2027-02-19")],
    [GOOD[0], GOOD[1], GOOD[2], ("2026-27", "Spring term", "2027-01-04", "2027-02-12"),
     ("2026-27", "Spring half term", "2027-02-15", "2027-02-19"), ("2026-27", "Easter holiday", "2027-03-29", "2027-04-09")],
    [GOOD[0], ("2026-27", "Autumn half term", "2026-12-21", "2026-12-24")],
])
def test_the_import_and_an_edit_judge_a_year_alike(rows):
    """Whatever shape a year has, the import refuses it exactly when the rules an edit applies refuse it."""
    periods = []
    for year, name, start, end in rows:
        kind, term, _ = services.classify(name)
        periods.append(Period(year, kind, term, name, date.fromisoformat(start), date.fromisoformat(end)))
    edit_problems = services.check_year("2026-27", periods, gaps=False)
    try:
        services.parse_calendar_csv(_csv(rows))
    except services.CalendarInvalid as error:
        import_problems = [e.reason for e in error.errors]
    else:
        import_problems = []
    assert set(edit_problems) <= set(import_problems)
    assert bool(edit_problems) == any("gap" not in problem for problem in import_problems)


HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile" / "files"


@pytest.mark.parametrize("name", sorted(p.name for p in HOSTILE.iterdir()))
def test_the_term_dates_import_refuses_every_hostile_file_plainly(name):
    """The term-dates upload reads files by the same rules as the school importer: no file crashes it."""
    if name == "term_dates_not_schools.csv":  # the one file in the corpus that is a good term-dates file
        assert services.parse_calendar_csv((HOSTILE / name).read_bytes())["2026-27"].periods
        return
    with pytest.raises(services.CalendarInvalid) as error:
        services.parse_calendar_csv((HOSTILE / name).read_bytes())
    assert str(error.value) and "Traceback" not in str(error.value)


def test_a_term_dates_file_saved_as_utf16_with_old_mac_line_endings_is_read():
    content = "\r".join(["academic_year,period,start_date,end_date"] + [",".join(r) for r in GOOD]).encode("utf-16")
    assert len(services.parse_calendar_csv(content)["2026-27"].periods) == 4
    assert len(services.parse_calendar_csv(b"\xef\xbb\xbf" + _csv(GOOD))["2026-27"].periods) == 4


def test_the_term_dates_page_answers_every_hostile_file_with_an_error_not_a_crash(client, broker):
    client.force_login(broker.user)
    url = f"/p/{broker.partnership.slug}/term-dates/import/"
    for path in sorted(HOSTILE.iterdir()):
        if path.name == "term_dates_not_schools.csv":
            continue
        response = client.post(url, {"file": SimpleUploadedFile(path.name, path.read_bytes())})
        assert response.status_code == 200, path.name
        summary = parse(response).select_one(".govuk-error-summary")
        assert summary is not None and summary.get_text(strip=True), path.name
    with scopes_disabled():
        assert not CalendarPeriod.objects.exists()
