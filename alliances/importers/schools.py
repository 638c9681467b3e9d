"""School-level formats: every one upserts School rows by URN and the local authorities they name."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from alliances.importers.base import Cell, Format, ImportReport, Progress, RowError, Source, cell
from alliances.importers.locate import locate_schools, located_note
from alliances.importers.merge import lock_for_import
from alliances.importers.saving import save_schools
from alliances.models import LocalAuthority, Phase, School, Status

GIAS_STATUS = {"1": Status.OPEN, "2": Status.CLOSED, "3": Status.OPEN_CLOSING, "4": Status.PROPOSED}
STATUS_NAMES = {
    "open": Status.OPEN,
    "closed": Status.CLOSED,
    "open, but proposed to close": Status.OPEN_CLOSING,
    "proposed to open": Status.PROPOSED,
}
PHASE_NAMES = {label.lower(): value for value, label in Phase.choices}
PHASE_NAMES.update({"16 plus": Phase.SIXTEEN_PLUS, "all through": Phase.ALL_THROUGH, "": ""})
OFSTED_RATINGS = {"outstanding": 1, "good": 2, "requires improvement": 3, "satisfactory": 3, "inadequate": 4}


NO_RELIGION = {"", "none", "does not apply", "not applicable", "n/a"}


def religion(value: str) -> str:
    return "" if value.strip().lower() in NO_RELIGION else value.strip()


def phase_from_flags(primary: bool, secondary: bool, post16: bool) -> str:
    if primary and secondary:
        return Phase.ALL_THROUGH
    if primary:
        return Phase.PRIMARY
    if secondary:
        return Phase.SECONDARY
    if post16:
        return Phase.SIXTEEN_PLUS
    return Phase.NOT_APPLICABLE


class SchoolFormat(Format):
    fields: tuple[str, ...] = ()

    def key_of(self, record: dict[str, Any]) -> str:
        return record["urn"]

    def school(self, row: dict[str, str], line: int, errors: list[RowError]) -> dict[str, Any]:
        raise NotImplementedError

    def parse(self, row, line, errors):
        before = len(errors)
        record = self.school(row, line, errors)
        if len(errors) > before:
            return None
        if record.get("close_date") and record.get("open_date") and record["close_date"] < record["open_date"]:
            errors.append(RowError(line, "", "the school closes before it opens"))
            return None
        low, high = record.get("statutory_low_age"), record.get("statutory_high_age")
        if low is not None and high is not None and low > high:
            errors.append(RowError(line, "", f"the lowest age ({low}) is above the highest age ({high})"))
            return None
        return record

    def apply(self, records: list[dict[str, Any]], report: ImportReport, progress: Progress, source: Source) -> None:
        las: dict[str, str] = {}
        for record in records:
            code, name = record.pop("la_code", None), record.pop("la_name", "")
            if code:
                record["la_id"] = code
                if name or code not in las:
                    las[code] = name or las.get(code, "")
        with transaction.atomic():
            lock_for_import(School, LocalAuthority)
            self._upsert_las(las, report)
            touched = save_schools(records, report, progress, source)
            located = locate_schools(touched)
            report.other_changes += sum(located.values())
            if located:
                report.notes.append(located_note(located))

    def _upsert_las(self, las: dict[str, str], report: ImportReport) -> None:
        existing = dict(LocalAuthority.objects.filter(code__in=las).values_list("code", "name"))
        new = [LocalAuthority(code=code, name=name or f"Local authority {code}") for code, name in las.items()
               if code not in existing]
        LocalAuthority.objects.bulk_create(new)
        renamed = [LocalAuthority(code=code, name=name) for code, name in las.items()
                   if code in existing and name and existing[code] != name]
        LocalAuthority.objects.bulk_update(renamed, ["name"])
        if new or renamed:
            report.notes.append(f"{len(new)} local authorities added, {len(renamed)} renamed.")


def _text(row, column, line, errors, max_length=200):
    return cell(row, column, Cell.text, line, errors, max_length=max_length)


class GiasExtract(SchoolFormat):
    key = "gias_extract"
    label = "GIAS establishment extract (edubasealldata)"
    signature = frozenset({"URN", "LA (code)", "EstablishmentName", "TypeOfEstablishment (code)"})
    required = signature | frozenset({
        "LA (name)", "EstablishmentNumber", "TypeOfEstablishment (name)", "EstablishmentTypeGroup (code)",
        "EstablishmentTypeGroup (name)", "EstablishmentStatus (code)", "OpenDate", "CloseDate",
        "PhaseOfEducation (name)", "StatutoryLowAge", "StatutoryHighAge", "Gender (name)",
        "ReligiousCharacter (name)", "Diocese (code)", "Diocese (name)", "NumberOfPupils", "Trusts (code)",
        "Trusts (name)", "Federations (code)", "Federations (name)", "OfstedLastInsp",
        "OfstedSpecialMeasures (code)", "Street", "Locality", "Address3", "Town", "County (name)", "Postcode",
        "SchoolWebsite", "Easting", "Northing", "OfstedRating (name)",
    })
    fields = (
        "urn", "name", "establishment_number", "laestab", "type_code", "type_name", "type_group_code",
        "type_group_name", "status", "open_date", "close_date", "phase", "statutory_low_age", "statutory_high_age",
        "gender", "religious_character", "diocese_code", "diocese_name", "pupils", "trust_code", "trust_name",
        "federation_code", "federation_name", "street", "locality", "address3", "town", "county", "postcode",
        "website", "easting", "northing", "ofsted_grade", "ofsted_date", "ofsted_category",
    )

    def school(self, row, line, errors):
        la_code = cell(row, "LA (code)", Cell.la_code, line, errors)
        number = _text(row, "EstablishmentNumber", line, errors, 4)
        status_code = row.get("EstablishmentStatus (code)", "").strip()
        if status_code not in GIAS_STATUS:
            errors.append(RowError(line, "EstablishmentStatus (code)", f"unknown status code {status_code!r}"))
        phase_name = row.get("PhaseOfEducation (name)", "").strip().lower()
        if phase_name not in PHASE_NAMES:
            errors.append(RowError(line, "PhaseOfEducation (name)", f"unknown phase {phase_name!r}"))
        rating = row.get("OfstedRating (name)", "").strip().lower()
        special = row.get("OfstedSpecialMeasures (code)", "").strip()
        return {
            "urn": cell(row, "URN", Cell.urn, line, errors),
            "name": _text(row, "EstablishmentName", line, errors),
            "la_code": la_code,
            "la_name": _text(row, "LA (name)", line, errors, 120),
            "establishment_number": number,
            "laestab": f"{la_code}{number}" if la_code and number else "",
            "type_code": _text(row, "TypeOfEstablishment (code)", line, errors, 4),
            "type_name": _text(row, "TypeOfEstablishment (name)", line, errors, 100),
            "type_group_code": _text(row, "EstablishmentTypeGroup (code)", line, errors, 4),
            "type_group_name": _text(row, "EstablishmentTypeGroup (name)", line, errors, 100),
            "status": GIAS_STATUS.get(status_code, Status.OPEN),
            "open_date": cell(row, "OpenDate", Cell.date, line, errors),
            "close_date": cell(row, "CloseDate", Cell.date, line, errors),
            "phase": PHASE_NAMES.get(phase_name, ""),
            "statutory_low_age": cell(row, "StatutoryLowAge", Cell.integer, line, errors, high=99),
            "statutory_high_age": cell(row, "StatutoryHighAge", Cell.integer, line, errors, high=99),
            "gender": _text(row, "Gender (name)", line, errors, 20),
            "religious_character": religion(_text(row, "ReligiousCharacter (name)", line, errors, 100) or ""),
            "diocese_code": _text(row, "Diocese (code)", line, errors, 10),
            "diocese_name": _text(row, "Diocese (name)", line, errors, 100),
            "pupils": cell(row, "NumberOfPupils", Cell.integer, line, errors, high=100_000),
            "trust_code": _text(row, "Trusts (code)", line, errors, 10),
            "trust_name": _text(row, "Trusts (name)", line, errors),
            "federation_code": _text(row, "Federations (code)", line, errors, 10),
            "federation_name": _text(row, "Federations (name)", line, errors),
            "street": _text(row, "Street", line, errors),
            "locality": _text(row, "Locality", line, errors),
            "address3": _text(row, "Address3", line, errors),
            "town": _text(row, "Town", line, errors, 100),
            "county": _text(row, "County (name)", line, errors, 100),
            "postcode": cell(row, "Postcode", Cell.postcode, line, errors),
            "website": _text(row, "SchoolWebsite", line, errors, 300),
            "easting": cell(row, "Easting", Cell.integer, line, errors, high=800_000),
            "northing": cell(row, "Northing", Cell.integer, line, errors, high=1_300_000),
            "ofsted_grade": OFSTED_RATINGS.get(rating),
            "ofsted_date": cell(row, "OfstedLastInsp", Cell.date, line, errors),
            "ofsted_category": "special_measures" if special == "1" else "",
            "_date": self._changed_on(row, line, errors),
        }

    @staticmethod
    def _changed_on(row, line, errors) -> str | None:
        """GIAS's LastChangedDate: the date of this row's data (the file's date when the column is absent)."""
        if "LastChangedDate" not in row:
            return None
        changed = cell(row, "LastChangedDate", Cell.date, line, errors)
        return changed.isoformat() if changed else None


class DfeSpine(SchoolFormat):
    key = "dfe_spine"
    label = "DfE school information spine"
    signature = frozenset({"URN", "LA", "ESTAB", "LAESTAB", "SCHNAME"})
    required = signature | frozenset({
        "STREET", "LOCALITY", "ADDRESS3", "TOWN", "POSTCODE", "ICLOSE", "OPENDATE", "CLOSEDATE", "MINORGROUP",
        "NFTYPE", "ISPRIMARY", "ISSECONDARY", "ISPOST16", "AGEL", "AGEH", "GENDER", "RELDENOM",
    })
    fields = (
        "urn", "name", "establishment_number", "laestab", "street", "locality", "address3", "town", "postcode",
        "status", "open_date", "close_date", "type_group_name", "type_name", "phase", "statutory_low_age",
        "statutory_high_age", "gender", "religious_character",
    )

    def school(self, row, line, errors):
        status_code = row.get("ICLOSE", "").strip()
        if status_code not in GIAS_STATUS:
            errors.append(RowError(line, "ICLOSE", f"unknown status code {status_code!r}"))
        laestab = row.get("LAESTAB", "").strip()
        if laestab and not (laestab.isascii() and laestab.isdigit()):
            errors.append(RowError(line, "LAESTAB", f"LAESTAB must be digits, not {laestab!r}"))
        flags = [cell(row, column, Cell.flag, line, errors) for column in ("ISPRIMARY", "ISSECONDARY", "ISPOST16")]
        return {
            "urn": cell(row, "URN", Cell.urn, line, errors),
            "name": _text(row, "SCHNAME", line, errors),
            "la_code": cell(row, "LA", Cell.la_code, line, errors),
            "establishment_number": _text(row, "ESTAB", line, errors, 4),
            "laestab": laestab[:7],
            "street": _text(row, "STREET", line, errors),
            "locality": _text(row, "LOCALITY", line, errors),
            "address3": _text(row, "ADDRESS3", line, errors),
            "town": _text(row, "TOWN", line, errors, 100),
            "postcode": cell(row, "POSTCODE", Cell.postcode, line, errors),
            "status": GIAS_STATUS.get(status_code, Status.OPEN),
            "open_date": cell(row, "OPENDATE", Cell.date, line, errors),
            "close_date": cell(row, "CLOSEDATE", Cell.date, line, errors),
            "type_group_name": _text(row, "MINORGROUP", line, errors, 100),
            "type_name": _text(row, "NFTYPE", line, errors, 100),
            "phase": phase_from_flags(*[bool(f) for f in flags]),
            "statutory_low_age": cell(row, "AGEL", Cell.integer, line, errors, high=99),
            "statutory_high_age": cell(row, "AGEH", Cell.integer, line, errors, high=99),
            "gender": _text(row, "GENDER", line, errors, 20),
            "religious_character": religion(_text(row, "RELDENOM", line, errors, 100) or ""),
        }


class DfeDetails(SchoolFormat):
    key = "dfe_details"
    label = "DfE school details"
    signature = frozenset({"URN", "Name", "Rating", "Inspect Date", "Local Authority"})
    required = signature | frozenset({
        "Street", "City", "Postcode", "Status", "Date Opened", "Date Closed", "Type", "Primary", "Secondary",
        "Post 16", "Age From", "Age To", "Gender", "Religion",
    })
    fields = (
        "urn", "name", "street", "town", "postcode", "status", "ofsted_grade", "ofsted_date", "open_date",
        "close_date", "type_group_name", "phase", "statutory_low_age", "statutory_high_age", "gender",
        "religious_character",
    )

    def school(self, row, line, errors):
        status_code = row.get("Status", "").strip()
        if status_code not in GIAS_STATUS:
            errors.append(RowError(line, "Status", f"unknown status code {status_code!r}"))
        rating = row.get("Rating", "").strip().lower()
        if rating and rating not in OFSTED_RATINGS:
            errors.append(RowError(line, "Rating", f"unknown Ofsted rating {rating!r}"))
        flags = [cell(row, column, Cell.flag, line, errors) for column in ("Primary", "Secondary", "Post 16")]
        religion_text = _text(row, "Religion", line, errors, 100) or ""
        type_name = _text(row, "Type", line, errors, 100)
        return {
            "urn": cell(row, "URN", Cell.urn, line, errors),
            "name": _text(row, "Name", line, errors),
            "la_code": cell(row, "Local Authority", Cell.la_code, line, errors),
            "street": _text(row, "Street", line, errors),
            "town": _text(row, "City", line, errors, 100),
            "postcode": cell(row, "Postcode", Cell.postcode, line, errors),
            "status": GIAS_STATUS.get(status_code, Status.OPEN),
            "ofsted_grade": OFSTED_RATINGS.get(rating),
            "ofsted_date": cell(row, "Inspect Date", Cell.date, line, errors),
            "open_date": cell(row, "Date Opened", Cell.date, line, errors),
            "close_date": cell(row, "Date Closed", Cell.date, line, errors),
            "type_group_name": "" if type_name.lower() == "nan" else type_name,
            "phase": phase_from_flags(*[bool(f) for f in flags]),
            "statutory_low_age": cell(row, "Age From", Cell.integer, line, errors, high=99),
            "statutory_high_age": cell(row, "Age To", Cell.integer, line, errors, high=99),
            "gender": _text(row, "Gender", line, errors, 20),
            "religious_character": religion(religion_text),
        }


class EdubaseSchoolsInEngland(SchoolFormat):
    key = "edubase"
    label = "EduBase Schools in England"
    signature = frozenset({"URN", "Local authority (code)", "Establishment name", "Type of establishment"})
    required = signature | frozenset({
        "Local authority (name)", "Establishment number", "Street", "Locality", "Address3", "Town", "County",
        "Postcode", "Statutory highest age", "Statutory lowest age", "Phase of education", "Gender",
        "Religious character", "Website address", "Establishment status", "Opening date", "X", "Y",
    })
    fields = (
        "urn", "name", "establishment_number", "laestab", "street", "locality", "address3", "town", "county",
        "postcode", "type_name", "statutory_high_age", "statutory_low_age", "phase", "gender",
        "religious_character", "website", "status", "open_date", "easting", "northing",
    )

    def school(self, row, line, errors):
        la_code = cell(row, "Local authority (code)", Cell.la_code, line, errors)
        number = _text(row, "Establishment number", line, errors, 4)
        status_name = row.get("Establishment status", "").strip().lower()
        if status_name not in STATUS_NAMES:
            errors.append(RowError(line, "Establishment status", f"unknown status {status_name!r}"))
        phase_name = row.get("Phase of education", "").strip().lower()
        if phase_name not in PHASE_NAMES:
            errors.append(RowError(line, "Phase of education", f"unknown phase {phase_name!r}"))
        religion_text = _text(row, "Religious character", line, errors, 100) or ""
        return {
            "urn": cell(row, "URN", Cell.urn, line, errors),
            "name": _text(row, "Establishment name", line, errors),
            "la_code": la_code,
            "la_name": _text(row, "Local authority (name)", line, errors, 120),
            "establishment_number": number,
            "laestab": f"{la_code}{number}" if la_code and number else "",
            "street": _text(row, "Street", line, errors),
            "locality": _text(row, "Locality", line, errors),
            "address3": _text(row, "Address3", line, errors),
            "town": _text(row, "Town", line, errors, 100),
            "county": _text(row, "County", line, errors, 100),
            "postcode": cell(row, "Postcode", Cell.postcode, line, errors),
            "type_name": _text(row, "Type of establishment", line, errors, 100),
            "statutory_high_age": cell(row, "Statutory highest age", Cell.integer, line, errors, high=99),
            "statutory_low_age": cell(row, "Statutory lowest age", Cell.integer, line, errors, high=99),
            "phase": PHASE_NAMES.get(phase_name, ""),
            "gender": _text(row, "Gender", line, errors, 20),
            "religious_character": religion(religion_text),
            "website": _text(row, "Website address", line, errors, 300),
            "status": STATUS_NAMES.get(status_name, Status.OPEN),
            "open_date": cell(row, "Opening date", Cell.date, line, errors),
            "easting": cell(row, "X", Cell.integer, line, errors, high=800_000),
            "northing": cell(row, "Y", Cell.integer, line, errors, high=1_300_000),
        }


class GiasSchoolList(SchoolFormat):
    """GIAS open or all-schools lists (urn, name, dates, town, postcode), optionally joined to ONS coordinates."""

    key = "gias_list"
    label = "GIAS school list"
    signature = frozenset({"urn", "name", "open_date", "town", "postcode"})
    required = signature
    coordinates = frozenset({"easting", "northing", "lat", "lon"})

    def __init__(self, header: list[str] | None = None):
        columns = set(header or [])
        self.has_close = "close_date" in columns
        self.has_coords = self.coordinates <= columns
        fields = ["urn", "name", "open_date", "town", "postcode", "status"]
        if self.has_close:
            fields.append("close_date")
        if self.has_coords:
            fields += ["easting", "northing", "latitude", "longitude"]
        self.fields = tuple(fields)

    def school(self, row, line, errors):
        close_date = cell(row, "close_date", Cell.date, line, errors) if self.has_close else None
        record = {
            "urn": cell(row, "urn", Cell.urn, line, errors),
            "name": _text(row, "name", line, errors),
            "open_date": cell(row, "open_date", Cell.date, line, errors),
            "town": _text(row, "town", line, errors, 100),
            "postcode": _text(row, "postcode", line, errors, 10),
            "status": Status.CLOSED if close_date else Status.OPEN,
        }
        if self.has_close:
            record["close_date"] = close_date
        if self.has_coords:
            record.update(
                easting=cell(row, "easting", Cell.integer, line, errors, high=800_000),
                northing=cell(row, "northing", Cell.integer, line, errors, high=1_300_000),
                latitude=cell(row, "lat", Cell.decimal, line, errors, low=49.0, high=61.0),
                longitude=cell(row, "lon", Cell.decimal, line, errors, low=-9.0, high=2.5),
            )
        return record
