"""Formula-safe exports: one function, strip first then neutralise, used by every CSV and Excel download."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

import openpyxl
from django_scopes import scopes_disabled
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from alliances.models import Specialism
from portal.ui.csv_export import safe_cell

FORMULA = "=+-@"
ROOT = Path(__file__).resolve().parents[2]
# Files that write CSV which is not a download: the demo builds a term-dates file to import.
NOT_DOWNLOADS = {"portal/ui/csv_export.py", "alliances/demo.py"}

# What spreadsheets have been seen to drop before they read a cell: each is one way the guard was beaten.
STRIPPERS = {
    "workbook illegal characters": lambda text: ILLEGAL_CHARACTERS_RE.sub("", text),
    "every control character": lambda text: "".join(c for c in text if unicodedata.category(c) != "Cc"),
    "leading whitespace": lambda text: text.lstrip(),
    "invisible format characters": lambda text: "".join(c for c in text if unicodedata.category(c) != "Cf"),
    "NFKC look-alikes": lambda text: unicodedata.normalize("NFKC", text),
}


def _all_strips(text: str) -> str:
    for strip in STRIPPERS.values():
        text = strip(text)
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) not in {"Cc", "Cf"})


TRICKY = st.sampled_from(list("=+-@'\t\r\n \x00\x01\x0b\x1f\x7f\x85\xa0\u200b\u200e\u2028\u3000\ufeff\uff1d\uff0b\uff0d\uff20\ufe66"))
cells = st.lists(st.one_of(TRICKY, st.characters()), max_size=12).map("".join)


@hypothesis_settings(max_examples=2000, deadline=None)
@given(cells)
def test_no_cell_can_start_with_a_formula_character_after_any_stripping(text):
    out = safe_cell(text)
    assert not ILLEGAL_CHARACTERS_RE.search(out)  # nothing a workbook would strip after the check
    for name, strip in STRIPPERS.items():
        seen = strip(out)
        assert seen.lstrip()[:1] not in tuple(FORMULA), (name, text, out)
    assert _all_strips(out)[:1] not in tuple(FORMULA) or out.startswith("'"), (text, out)
    # Text is kept as written apart from what a workbook cannot hold.
    assert out.removeprefix("'") == ILLEGAL_CHARACTERS_RE.sub("", text) or out == ILLEGAL_CHARACTERS_RE.sub("", text)


def test_the_cases_in_the_issue():
    assert safe_cell("\x01=2+3") == "'=2+3"
    assert safe_cell("\x00+1") == "'+1"
    assert safe_cell(" \u200b-cmd") == "' \u200b-cmd"
    assert safe_cell("\uff1dSUM(A1)") == "'\uff1dSUM(A1)"
    assert safe_cell("Histon & Impington") == "Histon & Impington"
    assert safe_cell(-5) == "-5" and safe_cell(None) == "" and safe_cell(True) == "Yes"


def test_a_control_character_before_a_formula_is_neutralised_in_both_downloads(client, world):
    with scopes_disabled():
        Specialism.objects.filter(pk=world.spec["Maths"].pk).update(name="\x01=2+3")
    client.force_login(world.broker.user)
    base = f"/p/{world.partnership.slug}/dashboards"
    body = b"".join(client.get(f"{base}/export.csv?year=2026-27&table=requests").streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body)))[1][0] == "'=2+3"
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/export.xlsx?year=2026-27&table=requests").content)).active
    assert sheet["A2"].value == "'=2+3" and sheet["A2"].data_type == "s"


def test_every_export_goes_through_the_one_writer():
    """A CSV writer or a workbook made anywhere but portal/ui/csv_export.py would skip safe_cell."""
    pattern = re.compile(r"csv\.writer\(|csv\.DictWriter\(|\bWorkbook\(|xlsxwriter|\.to_csv\(|\.to_excel\(")
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", ".tools-venv/", "node_modules/", "tests/", "build/")) or relative in NOT_DOWNLOADS:
            continue
        if pattern.search(path.read_text(encoding="utf-8")):
            offenders.append(relative)
    assert offenders == []
