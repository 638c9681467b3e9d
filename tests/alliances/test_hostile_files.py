"""The hostile-file corpus (tests/data/hostile/): every file through the command and through the upload page.

For each file: no crash (no traceback, no 500, no "unexpected problem"), no partial import (the tables hold
exactly what they held, or for a file the portal must read correctly, every one of its schools), and a message
that says what to fix (the words manifest.json names for it)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from alliances.models import ImportJob, LocalAuthority, OfstedJudgement, School, SchoolLink
from tests.factories import UserFactory, give_mfa

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"
MANIFEST = json.loads((HOSTILE / "manifest.json").read_text(encoding="utf-8"))
# Small enough that the gzip bomb (a few kilobytes, 40 MB inflated) passes the uncompressed limit (4 x this).
MAX_BYTES = 2_000_000

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return (School.objects.count(), LocalAuthority.objects.count(), SchoolLink.objects.count(),
            OfstedJudgement.objects.count())


@pytest.fixture
def operator(db):
    user = UserFactory(is_staff=True)
    give_mfa(user)
    return user


def test_the_corpus_is_complete_and_small():
    files = {path.name for path in (HOSTILE / "files").iterdir()}
    assert files == set(MANIFEST) and len(files) >= 60
    assert sum(path.stat().st_size for path in (HOSTILE / "files").iterdir()) < 400_000


def _expected(name: str, before: tuple) -> tuple:
    expect = MANIFEST[name]
    if expect["outcome"] == "refused":
        return before
    return (before[0] + expect["schools"], before[1] + expect["las"]) + before[2:]


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_the_command_refuses_or_reads_each_hostile_file(name, settings):
    settings.IMPORT_MAX_BYTES = MAX_BYTES
    expect = MANIFEST[name]
    before = counts()
    out, err = StringIO(), StringIO()
    try:
        call_command("import_schools", str(HOSTILE / "files" / name), "--no-progress", stdout=out, stderr=err)
    except CommandError:
        failed = True
    else:
        failed = False
    said = out.getvalue() + err.getvalue()
    assert "Traceback" not in said and "unexpected problem" not in said
    assert counts()[0] - before[0] in (0, expect.get("schools", 0))
    if expect["outcome"] == "refused":
        assert failed and ("Nothing was imported" in said or "nothing was imported" in said), said[:500]
        for words in expect["message"]:
            assert words in said, (words, said[:1000])
    else:
        assert not failed, said[:1000]
        assert School.objects.count() - before[0] == expect["schools"]
    assert counts() == _expected(name, before)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_the_upload_page_refuses_or_reads_each_hostile_file(name, settings, client, operator,
                                                            django_capture_on_commit_callbacks):
    settings.IMPORT_MAX_BYTES = MAX_BYTES
    expect = MANIFEST[name]
    client.force_login(operator)
    before = counts()
    content = (HOSTILE / "files" / name).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/platform/imports/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused on the form itself (an empty file): no job, the error shown
        page = BeautifulSoup(response.content, "html.parser")
        summary = page.select_one(".govuk-error-summary").get_text(" ", strip=True)
        assert expect["outcome"] == "refused" and not ImportJob.objects.exists()
        assert any(words.lower() in summary.lower() for words in expect["message"]), summary
        assert counts() == before
        return
    job = ImportJob.objects.get()
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = BeautifulSoup(page.content, "html.parser").get_text(" ", strip=True)
    assert "unexpected problem" not in job.summary and "Traceback" not in text
    assert counts() == _expected(name, before)
    if expect["outcome"] == "refused":
        assert job.state == "failed" and "othing was imported" in job.summary
        for words in expect["message"]:
            assert words in text, (words, text[:1500])
    else:
        assert job.state == "done", job.summary
        assert job.report["created"] == expect["schools"]
