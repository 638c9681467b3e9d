"""The England files agree: whatever order they come in, the database ends the same, and a repeat is a no-op.

tests/data/imports/ holds a few dozen real rows cut from each file in ../shared/data/england (same names, same
encodings), chosen to disagree: schools open in the 2017 spine and closed by 2022, renamed between 2017, 2022 and
2025, closed in the 2022 list yet open in 2025, opened after 2017, and Histon and Impington Junior School
(110751), closed in 2012, with its successor 139087 and their links and Ofsted history.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliances.importers import run_import
from alliances.models import ImportJob, LocalAuthority, OfstedJudgement, School, SchoolLink, Status
from tests.alliances.test_importers import _gias_extract, _gias_row
from tests.factories import UserFactory, give_mfa

EXTRACTS = Path(__file__).resolve().parent.parent / "data" / "imports"
FILES = sorted(EXTRACTS.glob("*.csv"))
SPINE = EXTRACTS / "dfe_school_spine_2017_18.csv"
ALL_2022 = EXTRACTS / "gias_all_schools_2022-11-02.csv"
OPEN_2025 = EXTRACTS / "gias_open_schools_2025-07-11.csv"

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Everything the imports wrote, without the time each row was last saved."""
    schools = [
        {k: v for k, v in row.items() if k != "updated_at"} for row in School.objects.order_by("urn").values()
    ]
    return {
        "schools": schools,
        "las": list(LocalAuthority.objects.order_by("code").values_list("code", "name")),
        "links": list(SchoolLink.objects.order_by("urn", "linked_urn", "link_type").values_list(
            "urn", "linked_urn", "linked_name", "link_type", "established_on")),
        "judgements": list(OfstedJudgement.objects.order_by("urn", "inspected_on").values_list("urn", "grade", "inspected_on")),
    }


def clear() -> None:
    for model in (School, SchoolLink, OfstedJudgement, LocalAuthority):
        model.objects.all().delete()


def import_all(order) -> list:
    reports = [run_import(path) for path in order]
    assert all(report.ok for report in reports), [r.errors[:3] for r in reports]
    return reports


def test_the_extracts_are_the_real_files_cut_down():
    assert len(FILES) == 7
    assert {path.name for path in FILES} >= {SPINE.name, ALL_2022.name, OPEN_2025.name}
    for path in FILES:
        rows = run_import(path, dry_run=True)
        assert rows.ok and 10 <= rows.rows <= 70, path.name


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.permutations(FILES), second=st.permutations(FILES))
def test_any_order_ends_in_the_same_database_and_a_second_pass_changes_nothing(first, second):
    clear()
    import_all(sorted(FILES, key=lambda p: p.name))
    reference = snapshot()
    clear()
    import_all(first)
    assert snapshot() == reference, [p.name for p in first]
    again = import_all(second)
    assert [r.changed for r in again] == [False] * len(FILES), [(p.name, r.summary()) for p, r in zip(second, again, strict=True)]
    assert all("nothing changed" in r.summary() for r in again)
    assert snapshot() == reference


def test_an_older_spine_does_not_reopen_rename_or_clear_a_close_date():
    run_import(ALL_2022)
    run_import(OPEN_2025)
    carlton = School.objects.get(urn="100012")  # Carlton Primary School, closed 31-08-2021
    assert (carlton.status, carlton.close_date) == (Status.CLOSED, date(2021, 8, 31))
    renamed = School.objects.get(urn="100009")  # Beckford Primary School in 2017, West Hampstead by 2022
    assert renamed.name == "West Hampstead Primary School"
    spine = run_import(SPINE)
    assert spine.ok and spine.kept_newer >= 2
    assert "kept newer values" in spine.summary()
    carlton.refresh_from_db()
    renamed.refresh_from_db()
    assert (carlton.status, carlton.close_date) == (Status.CLOSED, date(2021, 8, 31))
    assert renamed.name == "West Hampstead Primary School"
    # What only the spine knows still arrives: the street, the phase, the local authority.
    assert renamed.street and renamed.la_id == "202" and renamed.phase == "primary"
    assert renamed.field_dates["name"] == "2025-07-11" and renamed.field_dates["street"] == "2017-09-01"


def test_a_newer_file_wins_and_says_what_it_changed():
    spine = run_import(SPINE)
    assert spine.created == 22 and "22 created" in spine.summary()
    assert School.objects.get(urn="100009").name == "Beckford Primary School"
    listed = run_import(ALL_2022)
    assert listed.ok and listed.created == 6 and listed.updated >= 8
    assert School.objects.get(urn="100009").name == "West Hampstead Primary School"
    assert School.objects.get(urn="100012").status == Status.CLOSED
    # The same names from a newer file are not changes, but they are dated by it.
    assert listed.confirmed + listed.updated + listed.unchanged == 22
    again = run_import(ALL_2022)
    assert not again.changed and again.unchanged == 28
    assert again.summary().startswith("GIAS school list: 28 rows read; nothing changed")


def test_the_file_date_comes_from_the_name_or_is_given():
    report = run_import(SPINE)
    assert report.source_date == "2017-09-01"
    assert any("academic year in the file name (2017_18)" in note for note in report.notes)
    with SPINE.open("rb") as file:
        undated = run_import(file, filename="spine.csv", source_date=date(2030, 1, 1))
    assert undated.source_date == "2030-01-01" and undated.updated == 0 and undated.confirmed == 22


def test_import_jobs_date_the_upload_by_its_name_and_a_repeat_says_nothing_changed(client, django_capture_on_commit_callbacks):
    operator = UserFactory(is_staff=True)
    give_mfa(operator)
    client.force_login(operator)

    def upload(path: Path) -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/platform/imports/", {"file": SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")})
        return ImportJob.objects.order_by("-pk").first()

    newer = upload(ALL_2022)
    assert newer.state == "done" and newer.report["source_date"] == "2022-11-02"
    older = upload(SPINE)
    assert older.state == "done" and older.report["source_date"] == "2017-09-01" and older.report["kept_newer"] >= 2
    assert School.objects.get(urn="100012").status == Status.CLOSED
    repeat = upload(SPINE)
    assert repeat.state == "done" and "nothing changed" in repeat.summary
    assert repeat.report["created"] == repeat.report["updated"] == repeat.report["confirmed"] == 0
    page = client.get(f"/platform/imports/{repeat.pk}/").content.decode()
    assert "22 rows read; nothing changed" in page


def test_a_gias_extract_row_is_dated_by_its_last_changed_date():
    run_import(ALL_2022)
    listed = School.objects.get(urn="139087").name

    def extract(changed: str) -> io.BytesIO:
        row = _gias_row("139087", EstablishmentName="Histon and Impington Park Primary School",
                        **{"EstablishmentStatus (code)": "1", "CloseDate": "", "LastChangedDate": changed})
        return io.BytesIO(_gias_extract([row]))

    older = run_import(extract("01-06-2021"))  # the file itself counts as today's: the row's date decides
    assert older.ok and older.kept_newer == 1
    assert School.objects.get(urn="139087").name == listed
    newer = run_import(extract("01-06-2024"))
    assert newer.updated == 1 and School.objects.get(urn="139087").name == "Histon and Impington Park Primary School"
    assert School.objects.get(urn="139087").field_dates["name"] == "2024-06-01"
