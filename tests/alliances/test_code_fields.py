"""Codes accept ASCII digits only, in every form and parser: ١٣٩٠٨٧ is not a URN, though `isdigit()` says it is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django import forms

from alliances.forms import FindSchoolForm, SchoolField, SchoolsField, _school_lines
from portal.calendar.forms import CalendarImportForm, PeriodForm
from portal.calendar.services import normalise_year
from portal.imports import Cell, ascii_code

ROOT = Path(__file__).resolve().parents[2]
LOOK_ALIKES = ["١٣٩٠٨٧", "۱۳۹۰۸۷", "१३९०८७", "１３９０８７", "¹³⁹087", "13908７"]


@pytest.mark.parametrize("urn", LOOK_ALIKES)
def test_the_add_school_form_and_the_urn_fields_refuse_digits_from_other_scripts(urn, db):
    assert urn.isdigit() or not urn.isascii()  # what the old check accepted
    with pytest.raises(forms.ValidationError, match="A URN is 6 digits"):
        SchoolField().clean(urn)
    with pytest.raises(forms.ValidationError, match="not 6-digit URNs"):
        SchoolsField().clean(f"139087\n{urn}")
    form = FindSchoolForm(data={"urn": urn})  # the first step of adding a school to the partnership
    assert not form.is_valid() and "A URN is 6 digits" in form.errors["urn"][0]
    assert _school_lines(urn) == [urn]  # looked up as a name, never as a URN


@pytest.mark.parametrize("parse", [Cell.urn, lambda v: Cell.la_code(v[:3]),
                                   lambda v: Cell.integer(v), Cell.postcode, lambda v: Cell.date(f"01-09-{v[:4]}")])
@pytest.mark.parametrize("value", LOOK_ALIKES[:4])
def test_the_importers_cell_parsers_refuse_them(parse, value):
    with pytest.raises(ValueError):
        parse(value)


def test_ascii_codes_still_pass():
    assert ascii_code("139087", 6) and not ascii_code("13908", 6) and not ascii_code("13908\n", 6)
    assert Cell.urn(" 139087 ") == "139087" and Cell.la_code("873") == "873"
    assert Cell.postcode("cb24 9ll") == "CB24 9LL" and Cell.postcode("W71PD") == "W7 1PD" and Cell.postcode("") == ""
    assert Cell.integer("11") == 11 and Cell.decimal("-0.25", low=-1, high=1) == -0.25


def test_the_term_dates_forms_and_parser_refuse_them():
    with pytest.raises(ValueError):
        normalise_year("٢٠٢٦-٢٧")
    assert "academic_year" in PeriodForm(data={"academic_year": "٢٠٢٦-٢٧"}).errors
    assert "la_code" in CalendarImportForm(data={"la_code": "٨٧٣"}).errors


def test_no_code_is_parsed_with_a_unicode_digit_test():
    """`isdigit()`, `isnumeric()`, `isdecimal()` and a regex `\\d` (without re.ASCII) all accept other scripts'
    digits: none may appear in the portal's code unless the same line checks `isascii()` too."""
    unicode_test = re.compile(r"\.is(digit|numeric|decimal)\(\)")
    regex_digit = re.compile(r"""\br["'][^"'\n]*\\d""")
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", ".tools-venv/", "node_modules/", "tests/", "build/")) or "/migrations/" in relative:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if (unicode_test.search(line) and "isascii()" not in line) or \
                    (regex_digit.search(line) and "re.ASCII" not in line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
