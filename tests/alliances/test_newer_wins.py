"""The rule that decides which value a school keeps when files disagree (alliances.importers.merge)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from alliances.importers.merge import date_from_name, newer_wins

CLOSED = {"name": "Carlton Primary School", "status": "closed", "close_date": date(2021, 8, 31)}
CLOSED_DATES = {"name": "2022-11-02", "status": "2022-11-02", "close_date": "2022-11-02"}


def test_an_older_file_changes_nothing_and_says_it_kept_newer_values():
    older = {"name": "Carlton Primary School", "status": "open", "close_date": None}
    changes, dates, kept = newer_wins(CLOSED, CLOSED_DATES, older, "2017-09-01")
    assert (changes, dates, kept) == ({}, {}, True)


def test_a_newer_file_changes_what_differs_and_dates_what_it_confirms():
    newer = {"name": "Carlton Primary School", "status": "open", "close_date": None}
    changes, dates, kept = newer_wins(CLOSED, CLOSED_DATES, newer, "2025-07-11")
    assert changes == {"status": "open", "close_date": None}
    assert dates == {"name": "2025-07-11", "status": "2025-07-11", "close_date": "2025-07-11"} and not kept


def test_the_same_file_again_changes_nothing():
    assert newer_wins(CLOSED, CLOSED_DATES, dict(CLOSED), "2022-11-02") == ({}, {}, False)


def test_a_new_school_takes_every_value_but_blank_coordinates_and_undated_inspections():
    row = {"urn": "100012", "name": "Carlton Primary School", "easting": None, "northing": 285_000,
           "ofsted_grade": 2, "ofsted_date": None}
    changes, dates, _ = newer_wins(None, {}, row, "2017-09-01")
    assert changes == {"name": "Carlton Primary School", "northing": 285_000}
    assert dates == {"name": "2017-09-01", "northing": "2017-09-01"}


def test_ofsted_values_are_dated_by_the_inspection_not_the_file():
    school = {"ofsted_grade": 1, "ofsted_date": date(2019, 3, 1)}
    dated = {"ofsted_grade": "2019-03-01", "ofsted_date": "2019-03-01"}
    # A 2025 file reporting a 2013 inspection does not replace the 2019 one.
    old_inspection = {"ofsted_grade": 3, "ofsted_date": date(2013, 4, 18)}
    assert newer_wins(school, dated, old_inspection, "2025-07-11") == ({}, {}, True)
    # A 2018 file reporting a 2020 inspection does.
    changes, dates, _ = newer_wins(school, dated, {"ofsted_grade": 2, "ofsted_date": date(2020, 1, 9)}, "2018-01-01")
    assert changes == {"ofsted_grade": 2, "ofsted_date": date(2020, 1, 9)} and dates["ofsted_grade"] == "2020-01-09"


@pytest.mark.parametrize("values", [("Beckford Primary School", "West Hampstead Primary School"), (None, date(2021, 8, 31))])
def test_two_sources_of_the_same_date_agree_whichever_comes_first(values):
    for first, second in itertools.permutations(values):
        school = {"name": first}
        changes, _, _ = newer_wins(school, {"name": "2022-11-02"}, {"name": second}, "2022-11-02")
        school.update(changes)
        results = school["name"]
        assert results == max(values, key=lambda v: "" if v is None else str(v))


@pytest.mark.parametrize(("name", "expected"), [
    ("gias_all_schools_2022-11-02.csv", date(2022, 11, 2)),
    ("edubasealldata20251130.csv", date(2025, 11, 30)),
    ("dfe_school_spine_2017_18.csv", date(2017, 9, 1)),
    ("ofsted_ratings_history_2005_2020.csv", date(2020, 1, 1)),
    ("dfe_school_details_2018.csv", date(2018, 1, 1)),
    ("schools.csv", None),
    ("schools_2022-13-45.csv", date(2022, 1, 1)),  # not a day: the year is all it says
])
def test_a_file_is_dated_by_its_name(name, expected):
    found = date_from_name(name)
    assert (found[0] if found else None) == expected
