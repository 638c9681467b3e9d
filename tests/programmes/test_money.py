"""Money rules: pence half-up, years, and the 7/12 and 5/12 split that must never gain or lose a penny."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programmes.money import (
    academic_year_bounds,
    academic_year_of,
    financial_year_bounds,
    financial_year_of,
    invoice_date,
    pence,
    split_annual,
    start_year,
    uplift,
)

amounts = st.decimals(min_value=0, max_value=Decimal("9999999.99"), places=2, allow_nan=False, allow_infinity=False)
years = st.integers(min_value=2000, max_value=2098).map(lambda y: f"{y}-{(y + 1) % 100:02d}")


def test_pence_rounds_halves_away_from_zero():
    assert pence(Decimal("0.005")) == Decimal("0.01")
    assert pence(Decimal("0.004")) == Decimal("0.00")
    assert pence(Decimal("-0.005")) == Decimal("-0.01")
    assert pence(Decimal("2.675")) == Decimal("2.68")  # a float would make this 2.67


def test_the_seed_year_splits_september_to_march_and_april_to_august():
    autumn, summer = split_annual(Decimal("1200.00"), "2018-19")
    assert (autumn.financial_year, autumn.months, autumn.amount, autumn.charge_date) == (
        "2018-19", 7, Decimal("700.00"), date(2018, 9, 1))
    assert (summer.financial_year, summer.months, summer.amount, summer.charge_date) == (
        "2019-20", 5, Decimal("500.00"), date(2019, 4, 1))


def test_an_amount_that_does_not_divide_rounds_the_first_share_and_keeps_the_total():
    autumn, summer = split_annual(Decimal("100.00"), "2026-27")
    assert autumn.amount == Decimal("58.33")  # 58.333… rounds down
    assert summer.amount == Decimal("41.67")
    autumn, summer = split_annual(Decimal("0.06"), "2026-27")
    assert autumn.amount == Decimal("0.04")  # 0.035 rounds half up
    assert summer.amount == Decimal("0.02")


@given(amounts, years)
def test_the_two_shares_always_add_up_to_the_charge(amount, year):
    autumn, summer = split_annual(amount, year)
    assert autumn.amount + summer.amount == amount
    assert autumn.amount >= 0 and summer.amount >= 0
    assert autumn.amount.as_tuple().exponent == -2 and summer.amount.as_tuple().exponent == -2
    # The first share is the 7/12 share to the nearest penny.
    assert abs(autumn.amount - amount * 7 / 12) <= Decimal("0.005")


@given(st.lists(amounts, min_size=1, max_size=40), years)
def test_many_lines_split_then_summed_by_financial_year_equal_the_sum_of_the_lines(lines, year):
    by_year: dict[str, Decimal] = {}
    for amount in lines:
        for share in split_annual(amount, year):
            by_year[share.financial_year] = by_year.get(share.financial_year, Decimal(0)) + share.amount
    assert sum(by_year.values()) == sum(lines)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2098, 12, 31)))
def test_every_day_falls_inside_its_academic_and_financial_year(day):
    first, last = academic_year_bounds(academic_year_of(day))
    assert first <= day <= last
    first, last = financial_year_bounds(financial_year_of(day))
    assert first <= day <= last


def test_year_boundaries():
    assert academic_year_of(date(2018, 8, 31)) == "2017-18"
    assert academic_year_of(date(2018, 9, 1)) == "2018-19"
    assert financial_year_of(date(2019, 3, 31)) == "2018-19"
    assert financial_year_of(date(2019, 4, 1)) == "2019-20"
    assert academic_year_of(date(2099, 9, 1)) == "2099-00"


@pytest.mark.parametrize("label", ["2018", "2018-20", "18-19", "２０１８-19", "2018-1９", "abcd-ef", ""])
def test_a_label_that_is_not_a_year_is_refused(label):
    with pytest.raises(ValueError):
        start_year(label)


def test_uplift_rounds_to_the_penny():
    assert uplift(Decimal("450.00"), Decimal("3")) == Decimal("463.50")
    assert uplift(Decimal("333.33"), Decimal("2.5")) == Decimal("341.66")  # 341.663…
    assert uplift(Decimal("100.00"), Decimal("0")) == Decimal("100.00")
    assert uplift(Decimal("100.00"), Decimal("-10")) == Decimal("90.00")


@pytest.mark.parametrize(("schedule", "day", "expected"), [
    ("twice_yearly", date(2018, 9, 1), date(2018, 9, 1)),
    ("twice_yearly", date(2018, 9, 2), date(2019, 4, 1)),
    ("twice_yearly", date(2019, 4, 1), date(2019, 4, 1)),
    ("twice_yearly", date(2019, 6, 30), date(2019, 9, 1)),
    ("termly", date(2018, 11, 5), date(2019, 1, 1)),
    ("termly", date(2019, 1, 2), date(2019, 4, 1)),
    ("monthly", date(2018, 12, 15), date(2019, 1, 1)),
    ("monthly", date(2019, 2, 1), date(2019, 2, 1)),
])
def test_each_charge_is_invoiced_on_the_first_invoice_date_on_or_after_it(schedule, day, expected):
    assert invoice_date(schedule, day) == expected


@given(st.sampled_from(["twice_yearly", "termly", "monthly"]), st.dates(min_value=date(2000, 1, 1),
                                                                      max_value=date(2098, 12, 31)))
def test_an_invoice_date_is_never_before_the_charge_nor_more_than_seven_months_after(schedule, day):
    billed = invoice_date(schedule, day)
    assert day <= billed and (billed - day).days <= 214


def test_an_unknown_schedule_is_refused():
    with pytest.raises(ValueError):
        invoice_date("weekly", date(2019, 1, 1))
