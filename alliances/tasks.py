from __future__ import annotations

from celery import shared_task

from alliances import imports


@shared_task(name="alliances.run_import_job")
def run_import_job_task(job_id: int) -> str:
    """Import an uploaded school-data file (global reference data, so no partnership scope)."""
    return imports.run_job(job_id=job_id)
