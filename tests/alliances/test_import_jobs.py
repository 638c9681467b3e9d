"""Platform staff upload school data; a Celery job imports it and the page shows progress and the report."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from alliances.models import ImportJob, School
from tests.factories import UserFactory, give_mfa


@pytest.fixture
def operator(db):
    user = UserFactory(is_staff=True)
    give_mfa(user)
    return user


def upload(client, name: str, content: bytes, capture):
    with capture(execute=True):
        return client.post("/platform/imports/", {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def test_an_upload_is_imported_by_a_job_and_reported(client, operator, django_capture_on_commit_callbacks):
    client.force_login(operator)
    content = (settings.SHARED_DATA_DIR / "east_and_ealing" / "dfe_school_spine_2017_18.csv").read_bytes()
    response = upload(client, "spine.csv", content, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response["Location"] == f"/platform/imports/{job.pk}/"
    assert job.state == "done" and job.report["created"] == 3169 and bytes(job.content) == b""
    assert School.objects.count() == 3169
    page = BeautifulSoup(client.get(response["Location"]).content, "html.parser")
    assert "3169 rows read; 3169 created" in page.get_text()
    status = client.get(f"/platform/imports/{job.pk}/status.json").json()
    assert status == {"state": "done", "label": "Imported", "stage": "", "done": status["done"], "total": status["total"],
                      "percent": 100, "finished": True}


def test_a_bad_upload_lists_every_problem_and_imports_nothing(client, operator, django_capture_on_commit_callbacks):
    client.force_login(operator)
    header = (settings.SHARED_DATA_DIR / "east_and_ealing" / "dfe_school_spine_2017_18.csv").read_text().splitlines()[:3]
    bad = "\n".join([header[0], header[1].replace(header[1].split(",")[0], "12AB56", 1), header[2]]).encode()
    response = upload(client, "bad.csv", bad, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.state == "failed" and School.objects.count() == 0
    rows = BeautifulSoup(client.get(response["Location"]).content, "html.parser").select("tbody tr")
    assert [r.get_text(" ", strip=True) for r in rows] == ["2 URN URN must be 6 digits, not '12AB56'"]


def test_a_file_of_the_wrong_kind_is_refused_plainly(client, operator, django_capture_on_commit_callbacks):
    client.force_login(operator)
    upload(client, "notes.txt", b"hello,world\n1,2\n", django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.state == "failed" and "not a file the portal can import" in job.summary


def test_an_empty_upload_is_an_error_on_the_form(client, operator):
    client.force_login(operator)
    response = client.post("/platform/imports/", {"file": SimpleUploadedFile("empty.csv", b"")})
    assert "The file is empty" in response.content.decode() and not ImportJob.objects.exists()


def test_only_platform_staff_import(client, broker):
    assert client.get("/platform/imports/")["Location"].startswith("/account/login/")
    client.force_login(broker.user)
    assert client.get("/platform/imports/").status_code == 403


def test_running_a_job_twice_imports_once(operator, django_capture_on_commit_callbacks):
    from alliances import imports

    content = (settings.SHARED_DATA_DIR / "east_and_ealing" / "dfe_school_spine_2017_18.csv").read_bytes()
    job = ImportJob.objects.create(uploaded_by=operator, filename="spine.csv", content=content)
    assert imports.run_job(job_id=job.pk) == "done"
    assert imports.run_job(job_id=job.pk) == "not queued"


def test_an_unexpected_failure_marks_the_job_failed_and_imports_nothing(operator, monkeypatch):
    from alliances import imports

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports, "run_import", explode)
    job = ImportJob.objects.create(uploaded_by=operator, filename="x.csv", content=b"URN\n")
    assert imports.run_job(job_id=job.pk) == "error"
    job.refresh_from_db()
    assert job.state == "failed" and "unexpected problem" in job.summary and bytes(job.content) == b""


def test_a_job_that_cannot_be_queued_says_so(operator, monkeypatch):
    from alliances import imports
    from alliances.tasks import run_import_job_task

    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(run_import_job_task, "delay", refuse)
    job = ImportJob.objects.create(uploaded_by=operator, filename="x.csv", content=b"URN\n")
    imports.queue_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and "could not be started" in job.summary


def test_the_job_page_gives_the_true_number_of_bad_rows(client, operator, django_capture_on_commit_callbacks):
    """15,000 bad rows used to read "10000 rows": the report keeps the first 10,000 but counts them all."""
    import csv
    import io

    client.force_login(operator)
    lines = (settings.SHARED_DATA_DIR / "east_and_ealing" / "dfe_school_spine_2017_18.csv").read_text().splitlines()
    row = next(csv.reader([lines[1]]))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(next(csv.reader([lines[0]])))
    writer.writerows([f"X{i:05d}", *row[1:]] for i in range(15_000))
    response = upload(client, "bad.csv", out.getvalue().encode(), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert "15,000 rows have problems" in job.summary and job.report["error_count"] == 15_000
    page = BeautifulSoup(client.get(response["Location"]).content, "html.parser")
    assert page.select_one("caption").get_text(strip=True) == "Rows with problems (15,000)"
    assert "Only the first 10,000 of 15,000 problems are listed." in page.get_text()
    assert School.objects.count() == 0
