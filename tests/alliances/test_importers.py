"""Importers against the real public files, and a corpus of bad files that must change nothing."""

from __future__ import annotations

import csv
import gzip
import io

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from alliances.importers import ImportRefused, run_import
from alliances.models import LocalAuthority, OfstedJudgement, Phase, School, SchoolLink, Status

DATA = django_settings.SHARED_DATA_DIR
EAST = DATA / "east_and_ealing"
ENGLAND = DATA / "england"
GIAS_HEADER = next(csv.reader(io.StringIO((ENGLAND / "gias_edubasealldata_header.csv").read_text(encoding="utf-8"))))

pytestmark = pytest.mark.django_db


def counts():
    return (School.objects.count(), LocalAuthority.objects.count(), SchoolLink.objects.count(),
            OfstedJudgement.objects.count())


def test_the_east_and_ealing_spine_imports_then_a_repeat_changes_nothing():
    report = run_import(EAST / "dfe_school_spine_2017_18.csv")
    assert report.ok and report.format_key == "dfe_spine"
    assert report.created == 3169 and School.objects.count() == 3169
    histon = School.objects.get(urn="139087")  # Histon and Impington Junior School (academy since 2012)
    assert histon.la_id == "873" and histon.phase == Phase.PRIMARY
    again = run_import(EAST / "dfe_school_spine_2017_18.csv")
    assert not again.changed and again.unchanged == 3169
    assert "nothing changed" in again.summary()


def test_details_then_ofsted_history_set_the_latest_grade():
    run_import(EAST / "dfe_school_spine_2017_18.csv")
    details = run_import(EAST / "dfe_school_details_2018.csv")
    assert details.ok and details.format_key == "dfe_details"
    history = run_import(EAST / "ofsted_ratings_history_2005_2020.csv")
    assert history.ok and OfstedJudgement.objects.count() == history.created
    # Forget one school's grade: importing the history again must restore its latest judgement.
    latest = OfstedJudgement.objects.filter(urn__in=School.objects.values("urn")).order_by("-inspected_on").first()
    School.objects.filter(urn=latest.urn).update(ofsted_grade=None, ofsted_date=None)
    assert run_import(EAST / "ofsted_ratings_history_2005_2020.csv").ok
    school = School.objects.get(urn=latest.urn)
    assert (school.ofsted_grade, school.ofsted_date) == (latest.grade, latest.inspected_on)


def test_edubase_names_local_authorities_and_gives_coordinates():
    report = run_import(EAST / "edubase_schools_in_england_2017_subset.csv")
    assert report.ok, report.errors[:5]
    assert LocalAuthority.objects.get(code="873").name == "Cambridgeshire"


def test_gias_lists_with_coordinates_and_the_postcode_directory_fill_in_locations():
    run_import(EAST / "dfe_school_spine_2017_18.csv")
    listed = run_import(EAST / "gias_open_schools_2025-07-11_with_coords.csv")
    assert listed.ok and listed.format_key == "gias_list"
    assert School.objects.filter(easting__isnull=False).count() >= 2600
    before = School.objects.filter(easting__isnull=True).count()
    postcodes = run_import(DATA / "postcodes" / "nspd_nov2025_postcodes_east_of_england_and_ealing.csv.gz")
    assert postcodes.ok and postcodes.format_key == "ons_postcodes"
    assert School.objects.filter(easting__isnull=True).count() < before


def test_the_whole_england_spine_and_links_import(django_db_blocker):
    spine = run_import(ENGLAND / "dfe_school_spine_2017_18.csv")
    assert spine.ok and spine.created == 26078
    links = run_import(ENGLAND / "gias_links_2025-04-22.csv")
    assert links.ok and links.created == 33801
    successor = SchoolLink.objects.get(urn="110751", link_type="Successor")
    assert successor.linked_urn == "139087"


def _gias_extract(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=GIAS_HEADER, quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in GIAS_HEADER})
    return out.getvalue().encode("cp1252")


def _gias_row(urn="110751", **extra):
    return {
        "URN": urn, "LA (code)": "873", "LA (name)": "Cambridgeshire", "EstablishmentNumber": "2021",
        "EstablishmentName": "Histon and Impington Junior School", "TypeOfEstablishment (code)": "02",
        "TypeOfEstablishment (name)": "Voluntary aided school", "EstablishmentTypeGroup (code)": "4",
        "EstablishmentTypeGroup (name)": "Local authority maintained schools", "EstablishmentStatus (code)": "2",
        "OpenDate": "", "CloseDate": "30-11-2012", "PhaseOfEducation (name)": "Primary", "StatutoryLowAge": "7",
        "StatutoryHighAge": "11", "Gender (name)": "Mixed", "Postcode": "CB24 9LL", "Easting": "544200",
        "Northing": "263100", "OfstedRating (name)": "Good", "OfstedLastInsp": "01-02-2010", **extra,
    }


def test_a_gias_extract_in_windows_1252_imports():
    data = _gias_extract([_gias_row(), _gias_row("139087", **{"EstablishmentName": "Histon and Impington Park Primary School – Café",
                                                              "EstablishmentStatus (code)": "1", "CloseDate": ""})])
    report = run_import(io.BytesIO(data))
    assert report.ok and report.format_key == "gias_extract", report.errors
    closed = School.objects.get(urn="110751")
    assert closed.status == Status.CLOSED and closed.ofsted_grade == 2 and closed.laestab == "8732021"
    assert School.objects.get(urn="139087").name.endswith("– Café")


# The bad-file corpus: each must be refused or reported, and nothing written.

def _csv(header: list[str], rows: list[list[str]]) -> io.BytesIO:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return io.BytesIO(out.getvalue().encode("utf-8"))


SPINE = next(csv.reader(open(EAST / "dfe_school_spine_2017_18.csv", encoding="utf-8")))
GOOD_ROW = next(r for i, r in enumerate(csv.reader(open(EAST / "dfe_school_spine_2017_18.csv", encoding="utf-8"))) if i == 1)


def _spine_row(**changes):
    row = dict(zip(SPINE, GOOD_ROW, strict=True))
    row.update(changes)
    return [row[name] for name in SPINE]


def test_bad_rows_are_all_reported_and_nothing_is_written():
    rows = [
        _spine_row(URN="123456"),
        _spine_row(URN="12345"),                     # too short
        _spine_row(URN="ABCDEF"),                    # not digits
        _spine_row(URN="223456", AGEL="eleven"),     # not a number
        _spine_row(URN="323456", OPENDATE="31-02-2019"),  # not a date
        _spine_row(URN="423456", LA="87"),           # bad LA code
        _spine_row(URN="123456", SCHNAME="Another name"),  # conflicting duplicate
        _spine_row(URN="523456")[:-2],               # a short (ragged) row
        _spine_row(URN="623456") + ["extra"],        # a long row
        _spine_row(URN="723456", AGEL="11", AGEH="4"),  # ages the wrong way round
        _spine_row(URN="823456", AGEL="inf"),            # not a finite number
    ]
    report = run_import(_csv(SPINE, rows))
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "URN"), (4, "URN"), (5, "AGEL"), (6, "OPENDATE"), (7, "LA"), (8, ""), (9, ""), (10, ""), (11, ""),
        (12, "AGEL"),
    ]
    assert "URN must be 6 digits, not '12345'" in str(report.errors[0])
    assert "conflicts with row 2" in report.errors[5].reason
    assert "has 29 values but the header has 31 columns" in report.errors[6].reason
    assert counts() == (0, 0, 0, 0)


def test_blank_lines_are_skipped_and_formula_payloads_are_kept_as_text():
    data = _csv(SPINE, [_spine_row(URN="123456", SCHNAME="=HYPERLINK(\"http://evil\")"), [], _spine_row(URN="223456")])
    report = run_import(data)
    assert report.ok and report.blank_lines == 1 and report.created == 2
    assert School.objects.get(urn="123456").name == '=HYPERLINK("http://evil")'


def test_missing_columns_are_named():
    header = [name for name in SPINE if name not in ("AGEL", "POSTCODE")]
    with pytest.raises(ImportRefused, match="missing these columns: AGEL, POSTCODE"):
        run_import(_csv(header, []))
    assert counts() == (0, 0, 0, 0)


def test_a_file_of_the_wrong_kind_is_refused_with_the_kinds_it_could_be():
    with pytest.raises(ImportRefused, match="not a file the portal can import. It should be one of: GIAS"):
        run_import(DATA / "calendar" / "term_dates_cambridgeshire_suffolk.csv")


def test_unreadable_characters_are_refused():
    data = _gias_extract([_gias_row()]).replace(b"Histon", b"Hist\x81on")  # 0x81 is undefined in Windows-1252
    with pytest.raises(ImportRefused, match="characters could not be read"):
        run_import(io.BytesIO(data))
    assert counts() == (0, 0, 0, 0)


def test_utf16_and_old_mac_line_endings_are_read_and_binary_is_refused():
    text = _csv(SPINE, [_spine_row(URN="123456"), _spine_row(URN="223456")]).getvalue().decode()
    assert run_import(io.BytesIO(text.encode("utf-16"))).created == 2
    assert run_import(io.BytesIO(text.replace("\r\n", "\r").encode())).unchanged == 2
    with pytest.raises(ImportRefused, match="NUL character"):
        run_import(io.BytesIO(bytes(range(256)) * 10))
    with pytest.raises(ImportRefused, match="NUL character .line 3"):
        run_import(io.BytesIO(text.replace("223456", "22\x003456").encode()))
    assert counts()[0] == 2


def test_a_gias_extract_with_a_byte_order_mark_imports():
    """It used to say "URN is missing" on every row: the mark was read as part of the first column's name."""
    data = b"\xef\xbb\xbf" + _gias_extract([_gias_row()]).decode("cp1252").encode("utf-8")
    report = run_import(io.BytesIO(data))
    assert report.ok and report.created == 1, report.errors[:3]


def test_empty_header_names_at_the_end_are_ignored():
    rows = [_spine_row(URN="123456") + ["", ""]]
    assert run_import(_csv(SPINE + ["", ""], rows)).created == 1


def test_a_file_mixing_utf8_and_windows_1252_is_refused_not_garbled():
    text = _csv(SPINE, [_spine_row(URN="123456", SCHNAME="Éloi School")]).getvalue()
    data = text + _csv(SPINE, [_spine_row(URN="223456", SCHNAME="Café School")]).getvalue().decode().split("\r\n", 1)[1].encode("cp1252")
    with pytest.raises(ImportRefused, match="mixes two character encodings: line 2 is UTF-8 and line 3 is Windows-1252"):
        run_import(io.BytesIO(data))
    assert counts() == (0, 0, 0, 0)


def test_fifteen_thousand_bad_rows_are_counted_truly():
    report = run_import(_csv(SPINE, [_spine_row(URN=f"X{i:05d}") for i in range(15_000)]))
    assert report.error_count == 15_000 and len(report.errors) == 10_000
    assert "nothing was imported because 15,000 rows have problems" in report.summary()
    assert "Only the first 10,000 of 15,000 problems are listed." in report.notes


def test_empty_duplicate_header_damaged_gzip_and_huge_files_are_refused(settings):
    with pytest.raises(ImportRefused, match="empty"):
        run_import(io.BytesIO(b"\n\n"))
    with pytest.raises(ImportRefused, match="names URN more than once"):
        run_import(_csv(SPINE + ["URN"], []))
    with pytest.raises(ImportRefused, match="damaged"):
        run_import(io.BytesIO(gzip.compress(b"pcd,easting,northing,lat,lon\n")[:20]))
    settings.IMPORT_MAX_BYTES = 1000
    with pytest.raises(ImportRefused, match="the most the portal imports at once"):
        run_import(_csv(SPINE, [_spine_row(URN=f"{100000 + i}") for i in range(50)]))
    assert counts() == (0, 0, 0, 0)


def test_the_command_reports_every_bad_row_and_fails(capsys, tmp_path):
    path = tmp_path / "bad-spine.csv"
    path.write_bytes(_csv(SPINE, [_spine_row(URN="1"), _spine_row(URN="2")]).getvalue())
    with pytest.raises(CommandError):
        call_command("import_schools", str(path), "--no-progress")
    out = capsys.readouterr().out
    assert "nothing was imported because 2 rows have problems" in out
    assert "row 2, column URN" in out and "row 3, column URN" in out


def test_the_command_imports_and_says_so(capsys):
    call_command("import_schools", str(EAST / "dfe_school_spine_2017_18.csv"), "--no-progress")
    call_command("import_schools", str(EAST / "dfe_school_spine_2017_18.csv"), "--no-progress")
    out = capsys.readouterr().out
    assert "3169 created" in out and "nothing changed" in out
