"""Formats that are not one row per school: GIAS links, the Ofsted history, the ONS postcode directory."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import Q

from alliances.importers.base import Cell, Format, ImportReport, Progress, RowError, cell, chunks
from alliances.importers.schools import OFSTED_RATINGS
from alliances.models import OfstedJudgement, School, SchoolLink


class GiasLinks(Format):
    key = "gias_links"
    label = "GIAS establishment links"
    signature = frozenset({"URN", "LinkURN", "LinkType"})
    required = signature | frozenset({"LinkName", "LinkEstablishedDate"})

    def parse(self, row, line, errors):
        before = len(errors)
        record = {
            "urn": cell(row, "URN", Cell.urn, line, errors),
            "linked_urn": cell(row, "LinkURN", Cell.urn, line, errors),
            "linked_name": cell(row, "LinkName", Cell.text, line, errors),
            "link_type": cell(row, "LinkType", Cell.text, line, errors, max_length=100),
            "established_on": cell(row, "LinkEstablishedDate", Cell.date, line, errors),
        }
        if not record["link_type"] and len(errors) == before:
            errors.append(RowError(line, "LinkType", "LinkType is missing"))
        return None if len(errors) > before else record

    def key_of(self, record):
        return (record["urn"], record["linked_urn"], record["link_type"])

    def apply(self, records, report: ImportReport, progress: Progress) -> None:
        total, done = len(records), 0
        with transaction.atomic():
            for batch in chunks(records, 2000):
                urns = {r["urn"] for r in batch}
                existing = {
                    (link.urn, link.linked_urn, link.link_type): link
                    for link in SchoolLink.objects.filter(urn__in=urns)
                }
                to_create, to_update = [], []
                for record in batch:
                    link = existing.get(self.key_of(record))
                    if link is None:
                        to_create.append(SchoolLink(**record))
                    elif (link.linked_name, link.established_on) != (record["linked_name"], record["established_on"]):
                        link.linked_name, link.established_on = record["linked_name"], record["established_on"]
                        to_update.append(link)
                    else:
                        report.unchanged += 1
                SchoolLink.objects.bulk_create(to_create)
                SchoolLink.objects.bulk_update(to_update, ["linked_name", "established_on"])
                report.created += len(to_create)
                report.updated += len(to_update)
                done += len(batch)
                progress("Saving links", done, total)


class OfstedHistory(Format):
    key = "ofsted_history"
    label = "Ofsted ratings history"
    signature = frozenset({"URN", "Rating", "Inspection Date"})
    required = signature

    def parse(self, row, line, errors):
        before = len(errors)
        rating = row.get("Rating", "").strip().lower()
        if rating not in OFSTED_RATINGS:
            errors.append(RowError(line, "Rating", f"unknown Ofsted rating {row.get('Rating', '')!r}"))
        record = {
            "urn": cell(row, "URN", Cell.urn, line, errors),
            "grade": OFSTED_RATINGS.get(rating),
            "inspected_on": cell(row, "Inspection Date", Cell.date, line, errors),
        }
        if record["inspected_on"] is None and len(errors) == before:
            errors.append(RowError(line, "Inspection Date", "Inspection Date is missing"))
        return None if len(errors) > before else record

    def key_of(self, record):
        return (record["urn"], record["inspected_on"])

    def apply(self, records, report: ImportReport, progress: Progress) -> None:
        total, done = len(records), 0
        latest: dict[str, dict] = {}
        for record in records:
            if record["urn"] not in latest or record["inspected_on"] > latest[record["urn"]]["inspected_on"]:
                latest[record["urn"]] = record
        with transaction.atomic():
            for batch in chunks(records, 2000):
                existing = {
                    (j.urn, j.inspected_on): j
                    for j in OfstedJudgement.objects.filter(urn__in={r["urn"] for r in batch})
                }
                to_create, to_update = [], []
                for record in batch:
                    judgement = existing.get(self.key_of(record))
                    if judgement is None:
                        to_create.append(OfstedJudgement(**record))
                    elif judgement.grade != record["grade"]:
                        judgement.grade = record["grade"]
                        to_update.append(judgement)
                    else:
                        report.unchanged += 1
                OfstedJudgement.objects.bulk_create(to_create)
                OfstedJudgement.objects.bulk_update(to_update, ["grade"])
                report.created += len(to_create)
                report.updated += len(to_update)
                done += len(batch)
                progress("Saving judgements", done, total)
            # Each school's latest overall grade, where this file knows a newer one than the school has.
            refreshed = 0
            for batch in chunks(sorted(latest), 2000):
                schools = School.objects.filter(urn__in=batch).filter(
                    Q(ofsted_date__isnull=True) | Q(ofsted_date__lte=max(latest[u]["inspected_on"] for u in batch))
                ).only("urn", "ofsted_grade", "ofsted_date")
                changed = []
                for school in schools:
                    newest = latest[school.urn]
                    if (school.ofsted_date is None or newest["inspected_on"] > school.ofsted_date) or (
                        newest["inspected_on"] == school.ofsted_date and school.ofsted_grade != newest["grade"]
                    ):
                        school.ofsted_grade, school.ofsted_date = newest["grade"], newest["inspected_on"]
                        changed.append(school)
                School.objects.bulk_update(changed, ["ofsted_grade", "ofsted_date"])
                refreshed += len(changed)
            if refreshed:
                report.notes.append(f"Latest Ofsted grade updated for {refreshed} schools.")


def normalise_postcode(value: str) -> str:
    return "".join(value.split()).upper()


class OnsPostcodes(Format):
    """Fills in coordinates for schools that have none, by their postcode."""

    key = "ons_postcodes"
    label = "ONS postcode directory"
    signature = frozenset({"pcd", "easting", "northing"})
    required = signature | frozenset({"lat", "lon"})

    def parse(self, row, line, errors):
        before = len(errors)
        postcode = normalise_postcode(row.get("pcd", ""))
        if not (5 <= len(postcode) <= 7 and postcode.isascii() and postcode.isalnum()):
            errors.append(RowError(line, "pcd", f"not a postcode: {row.get('pcd', '')!r}"))
        record = {
            "postcode": postcode,
            "easting": cell(row, "easting", Cell.integer, line, errors, high=800_000),
            "northing": cell(row, "northing", Cell.integer, line, errors, high=1_300_000),
            "latitude": cell(row, "lat", Cell.decimal, line, errors, low=49.0, high=61.0),
            "longitude": cell(row, "lon", Cell.decimal, line, errors, low=-9.0, high=2.5),
        }
        return None if len(errors) > before else record

    def key_of(self, record):
        return record["postcode"]

    def apply(self, records, report: ImportReport, progress: Progress) -> None:
        by_postcode = {r["postcode"]: r for r in records if r["easting"] is not None}
        missing = defaultdict(list)
        for school in School.objects.filter(easting__isnull=True).exclude(postcode="").only("urn", "postcode"):
            missing[normalise_postcode(school.postcode)].append(school)
        filled = []
        for postcode, schools in missing.items():
            found = by_postcode.get(postcode)
            if found is None:
                continue
            for school in schools:
                school.easting, school.northing = found["easting"], found["northing"]
                school.latitude, school.longitude = found["latitude"], found["longitude"]
                filled.append(school)
        with transaction.atomic():
            School.objects.bulk_update(filled, ["easting", "northing", "latitude", "longitude"], batch_size=2000)
        report.updated = len(filled)
        report.unchanged = len(records) - len(filled)
        still = sum(len(v) for k, v in missing.items() if k not in by_postcode)
        report.notes.append(f"Coordinates filled in for {len(filled)} schools; {still} schools still have none.")
        progress("Saving coordinates", len(filled), len(filled))
