"""Import jobs for /metrics (plugged into portal.observability.metrics by AlliancesConfig.ready())."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from alliances.models import ImportJob


def import_job_metrics() -> Iterable[Metric]:
    counts = dict(ImportJob.objects.values_list("state").annotate(n=Count("id")).order_by())
    jobs = GaugeMetricFamily("portal_import_jobs", "School-data import jobs, by state.", labels=["state"])
    for state in ImportJob.State.values:
        jobs.add_metric([state], counts.get(state, 0))
    yield jobs
    waiting = ImportJob.objects.filter(state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING])
    oldest = waiting.aggregate(oldest=Min("created_at"))["oldest"]
    yield GaugeMetricFamily(
        "portal_import_oldest_unfinished_age_seconds",
        "How long the oldest queued or running import has been going (0 when none is).",
        value=max((timezone.now() - oldest).total_seconds(), 0.0) if oldest else 0.0,
    )
