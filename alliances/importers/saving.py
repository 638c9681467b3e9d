"""Saving school rows: each file's rows merged into the schools field by field, the newest source winning."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from alliances.importers.base import ImportReport, Progress, Source, chunks
from alliances.importers.merge import insert_rows, newer_wins, update_rows
from alliances.models import OfstedJudgement, School


def save_schools(records: list[dict[str, Any]], report: ImportReport, progress: Progress, source: Source, *,
                 create: bool = True) -> set[str]:
    """Merge the rows into the schools, field by field, newest source winning (see merge.newer_wins).

    Returns the URNs whose postcode or coordinates may have changed, to locate again.
    """
    names = sorted({name for record in records for name in record} - {"urn", "_date"})
    total, done = len(records), 0
    touched: set[str] = set()
    now = timezone.now()
    to_create: list[dict[str, Any]] = []
    to_update: list[dict[str, Any]] = []
    update_names: set[str] = set()
    # A large file is compared with every school at once: one plain query instead of thousands of parameters.
    everything = len(records) > 5000
    if everything:
        existing = {row[0]: row for row in School.objects.order_by().values_list("urn", "field_dates", *names)}
    for batch in chunks(records, 5000):
        if not everything:
            existing = {
                row[0]: row for row in School.objects.filter(urn__in=[r["urn"] for r in batch]).order_by().values_list(
                    "urn", "field_dates", *names)
            }
        for record in batch:
            urn = record["urn"]
            when = record.pop("_date", None) or source.date
            row = existing.get(urn)
            if row is None:
                if not create:
                    continue
                changes, dates, _ = newer_wins(None, {}, record, when)
                changes.pop("urn", None)
                to_create.append({**changes, "urn": urn, "field_dates": dates})
                touched.add(urn)
                continue
            current = dict(zip(names, row[2:], strict=True))
            changes, dates, kept = newer_wins(current, row[1], record, when)
            report.kept_newer += kept
            if not changes and not dates:
                report.unchanged += 1
                continue
            if changes:
                report.updated += 1
            else:
                report.confirmed += 1
            update_names.update(changes)
            to_update.append({"urn": urn, **current, **changes, "field_dates": {**row[1], **dates}, "updated_at": now})
            if changes.keys() & {"postcode", "easting", "northing"}:
                touched.add(urn)
        done += len(batch)
        progress("Comparing with the schools saved", done, total)
    insert_rows(School, to_create)
    report.created += len(to_create)
    progress("Saving schools", len(to_create), total)
    update_rows(School, sorted(update_names | {"field_dates", "updated_at"}), to_update)
    progress("Saving schools", total, total)
    if to_create:
        _latest_judgements([row["urn"] for row in to_create], source)
    return touched


def _latest_judgements(urns: list[str], source: Source) -> None:
    """New schools take their latest Ofsted judgement from a history imported before them, by the same rule
    as every other value: so the grade does not depend on which file came first."""
    latest: dict[str, dict[str, Any]] = {}
    wanted = set(urns)
    judgements = OfstedJudgement.objects.order_by("urn", "inspected_on", "grade")
    batches = [judgements] if len(wanted) > 5000 else [judgements.filter(urn__in=batch) for batch in chunks(urns, 5000)]
    for queryset in batches:
        for urn, grade, inspected in queryset.values_list("urn", "grade", "inspected_on"):
            if urn in wanted:
                latest[urn] = {"urn": urn, "ofsted_grade": grade, "ofsted_date": inspected}
    if latest:
        save_schools(list(latest.values()), ImportReport("", ""), _no_progress, source, create=False)


def _no_progress(stage: str, done: int, total: int) -> None:
    pass
