"""Formats that are not one row per school: GIAS links, the Ofsted history, the ONS postcode directory."""

from __future__ import annotations

from django.db import transaction

from alliances.importers.base import Cell, Format, ImportReport, Progress, RowError, Source, cell, chunks
from alliances.importers.locate import locate_schools, located_note, normalise_postcode
from alliances.importers.merge import insert_rows, lock_for_import, update_rows
from alliances.importers.saving import save_schools
from alliances.importers.schools import OFSTED_RATINGS
from alliances.models import LocationAccuracy, OfstedJudgement, Postcode, PostcodeDistrict, School, SchoolLink


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

    def apply(self, records, report: ImportReport, progress: Progress, source: Source) -> None:
        total, done = len(records), 0
        with transaction.atomic():
            lock_for_import(SchoolLink)
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
                        to_create.append(record)
                    elif (link.linked_name, link.established_on) != (record["linked_name"], record["established_on"]):
                        link.linked_name, link.established_on = record["linked_name"], record["established_on"]
                        to_update.append(link)
                    else:
                        report.unchanged += 1
                insert_rows(SchoolLink, to_create)
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

    def apply(self, records, report: ImportReport, progress: Progress, source: Source) -> None:
        total, done = len(records), 0
        with transaction.atomic():
            lock_for_import(OfstedJudgement, School)
            for batch in chunks(records, 2000):
                existing = {
                    (j.urn, j.inspected_on): j
                    for j in OfstedJudgement.objects.filter(urn__in={r["urn"] for r in batch})
                }
                to_create, to_update = [], []
                for record in batch:
                    judgement = existing.get(self.key_of(record))
                    if judgement is None:
                        to_create.append(record)
                    elif judgement.grade != record["grade"]:
                        judgement.grade = record["grade"]
                        to_update.append(judgement)
                    else:
                        report.unchanged += 1
                insert_rows(OfstedJudgement, to_create)
                OfstedJudgement.objects.bulk_update(to_update, ["grade"])
                report.created += len(to_create)
                report.updated += len(to_update)
                done += len(batch)
                progress("Saving judgements", done, total)
            # Each school's overall grade: every judgement competes, dated by its inspection, so the latest wins
            # whichever file (this history, the DfE details, a GIAS extract) brought it.
            latest: dict[str, dict] = {}
            for record in records:
                if record["urn"] not in latest or record["inspected_on"] > latest[record["urn"]]["ofsted_date"]:
                    latest[record["urn"]] = {"urn": record["urn"], "ofsted_grade": record["grade"],
                                             "ofsted_date": record["inspected_on"]}
            schools = ImportReport(self.key, self.label)
            save_schools(list(latest.values()), schools, progress, source, create=False)
            report.other_changes += schools.updated
            if schools.updated:
                report.notes.append(f"Latest Ofsted grade updated for {schools.updated} schools.")


class OnsPostcodes(Format):
    """The ONS postcode directory: each postcode's position, then every school's coordinates from it."""

    key = "ons_postcodes"
    label = "ONS postcode directory"
    signature = frozenset({"pcd", "easting", "northing"})
    required = signature | frozenset({"lat", "lon"})
    model = Postcode
    key_column = "pcd"

    def parse(self, row, line, errors):
        before = len(errors)
        code = normalise_postcode(row.get(self.key_column, ""))
        if not self.valid(code):
            errors.append(RowError(line, self.key_column, f"not a {self.what}: {row.get(self.key_column, '')!r}"))
        record = {
            self.model._meta.pk.name: code,
            "easting": cell(row, "easting", Cell.integer, line, errors, high=800_000),
            "northing": cell(row, "northing", Cell.integer, line, errors, high=1_300_000),
            "latitude": cell(row, "lat", Cell.decimal, line, errors, low=49.0, high=61.0),
            "longitude": cell(row, "lon", Cell.decimal, line, errors, low=-9.0, high=2.5),
        }
        return None if len(errors) > before else record

    what = "postcode"

    @staticmethod
    def valid(code: str) -> bool:
        return 5 <= len(code) <= 7 and code.isascii() and code.isalnum()

    def key_of(self, record):
        return record[self.model._meta.pk.name]

    def apply(self, records, report: ImportReport, progress: Progress, source: Source) -> None:
        pk = self.model._meta.pk.name
        names = ("easting", "northing", "latitude", "longitude")
        # Postcodes without a grid reference (a few in the directory) place nothing.
        wanted = {r[pk]: r for r in records if r["easting"] is not None and r["northing"] is not None}
        report.unchanged += len(records) - len(wanted)
        with transaction.atomic():
            lock_for_import(self.model, School)
            existing = {row[0]: row[1:] for row in self.model.objects.order_by().values_list(pk, *names)}
            new, changed = [], []
            for code, record in wanted.items():
                current = existing.get(code)
                if current is None:
                    new.append(record)
                elif current != tuple(record[n] for n in names):
                    changed.append(record)
                else:
                    report.unchanged += 1
            progress("Saving positions", 0, len(new) + len(changed))
            insert_rows(self.model, new)
            update_rows(self.model, names, changed)
            report.created, report.updated = len(new), len(changed)
            progress("Locating schools", len(new) + len(changed), len(new) + len(changed))
            located = locate_schools() if new or changed else {}
            report.other_changes += sum(located.values())
            if located:
                report.notes.append(located_note(located))
            placed = School.objects.exclude(location_accuracy=LocationAccuracy.NONE).count()
            report.notes.append(f"{placed} of {School.objects.count()} schools have coordinates.")


class PostcodeDistricts(OnsPostcodes):
    """The centre of each postcode district (outward code): a school whose postcode is not in the directory
    is placed there, marked approximate."""

    key = "postcode_districts"
    label = "Postcode district centres"
    signature = frozenset({"outcode", "easting", "northing"})
    required = signature | frozenset({"lat", "lon"})
    model = PostcodeDistrict
    key_column = "outcode"
    what = "postcode district (outward code)"

    @staticmethod
    def valid(code: str) -> bool:
        return 2 <= len(code) <= 4 and code.isascii() and code.isalnum() and code[0].isalpha()
