"""Uploaded imports: store the file, queue a worker, record progress and the report on the job row."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from alliances.importers import ImportRefused, run_import
from alliances.models import ImportJob
from portal.errors import DomainError, NotAllowed

logger = logging.getLogger(__name__)


@transaction.atomic
def start_import(*, actor, upload: UploadedFile) -> ImportJob:
    """Save the upload and queue its import (platform staff only). Refuses an oversized file at once."""
    if not actor.is_staff:
        raise NotAllowed("Only platform staff can import school data.")
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise DomainError(f"The file is {upload.size / 1_000_000:.0f} MB; the most the portal imports at once is "
                          f"{settings.IMPORT_MAX_BYTES / 1_000_000:.0f} MB. Split it into smaller files.")
    content = b"".join(upload.chunks())
    job = ImportJob.objects.create(uploaded_by=actor, filename=Path(upload.name).name[:255], content=content)
    job_id = job.pk
    transaction.on_commit(lambda: queue_job(job_id=job_id))
    return job


# How an import is queued: the Celery task's `delay`, plugged in by the app's ready() (the task module imports
# this one, so this one cannot import it back).
_queue_import: Callable[[int], object] | None = None


def set_import_queue(queue: Callable[[int], object]) -> None:
    global _queue_import
    _queue_import = queue


def queue_job(*, job_id: int) -> None:
    """Queue the import; if the broker is down, say so on the job instead of leaving it waiting forever."""
    if _queue_import is None:
        raise RuntimeError("No import queue: alliances.apps.AlliancesConfig.ready() plugs in the Celery task.")
    try:
        _queue_import(job_id)
    except Exception:  # broker down, or an eager run that failed: the job row says what happened
        logger.warning("Could not queue import job %s", job_id, exc_info=True)
        ImportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).update(
            state=ImportJob.State.FAILED, summary="The import could not be started. Nothing was imported; upload the file again.",
            finished_at=timezone.now(), content=b"")


def run_job(*, job_id: int) -> str:
    """Run one queued job once (a second delivery of the task finds it no longer queued)."""
    if not ImportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING, stage="Reading the file"
    ):
        return "not queued"
    job = ImportJob.objects.get(pk=job_id)
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or (total and done >= total):
            last[0] = now
            ImportJob.objects.filter(pk=job_id).update(stage=stage, done=done, total=total)

    try:
        # The file's name dates its data (e.g. edubasealldata20251130.csv), as it does on the command line.
        report = run_import(io.BytesIO(bytes(job.content)), progress=progress, filename=job.filename)
    except ImportRefused as error:
        _finish(job_id, ImportJob.State.FAILED, f"{error} Nothing was imported.", {"errors": [], "notes": []})
        return "refused"
    except Exception:
        # Whatever went wrong, the import ran in one transaction, so nothing was written: say so.
        logger.exception("Import job %s failed", job_id)
        _finish(job_id, ImportJob.State.FAILED,
                "The import stopped because of an unexpected problem. Nothing was imported. Check the file, then "
                "upload it again or ask the platform team.", {"errors": [], "notes": []})
        return "error"
    state = ImportJob.State.DONE if report.ok else ImportJob.State.FAILED
    _finish(job_id, state, report.summary(), {
        "format": report.format_label, "rows": report.rows, "created": report.created, "updated": report.updated,
        "unchanged": report.unchanged, "confirmed": report.confirmed, "kept_newer": report.kept_newer,
        "source_date": report.source_date, "notes": report.notes, "error_count": report.error_count,
        "errors": [{"row": e.row, "column": e.column, "reason": e.reason} for e in report.errors],
    })
    return state


def _finish(job_id: int, state: str, summary: str, report: dict) -> None:
    ImportJob.objects.filter(pk=job_id).update(state=state, summary=summary, report=report, stage="", content=b"",
                                               finished_at=timezone.now())
