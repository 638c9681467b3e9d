"""Programme reports for the steering group and LA officers (LA officers: schools in their local authorities only).

Definitions, written under the figures on the page too:

* *participants* are accepted places (completed ones included) on the year's cohorts;
* a place *completed* when the programme's completion rule was met; the *completion rate* is completed places over
  places held on cohorts whose last session is past (a cohort still running is not counted against it);
* *waitlisted* are people on a cohort's waitlist now;
* the *participant impact* is the average of the 1 to 10 scores participants gave in their evaluations, and the
  *school impact* the average of the scores headteachers gave a term later, each with how many answered.

A fixed number of queries whatever the size. On PostgreSQL one statement (`report_sql`) reads the filters' years
and programmes with the report for the year and programme asked for (the LA officer's LAs first: one more);
elsewhere querysets read the years and the programmes (one statement), one aggregate per school (with the school's
name, LA and phase), the evaluations and the school impact by school (one statement), the clusters, and the
waitlists by cohort (the page only: the exports do not show them).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django import forms
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page
from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Count, Sum, Value
from django.db.models.functions import Cast
from django.utils.safestring import SafeString

from alliances.choices import Phase
from alliances.models import ClusterSchool
from alliances.selectors import visible_local_authorities
from portal.tenancy.models import Membership
from portal.ui.paging import number_in, page_of
from programmes.delivery import report_counts, report_sql
from programmes.delivery.report_sql import WAITLIST_PAGE
from programmes.models import Cohort, Evaluation, Place, PlaceStatus, Programme, SchoolImpact
from programmes.money import academic_year_of

NO_CLUSTER = "Not in a cluster this year"
NO_LA = "No local authority"
NO_PHASE = "Phase not known"

HEADER = ["Participants", "Completed", "Completion rate", "Waitlisted", "Participant impact", "School impact"]
EXPORT_COLUMNS = ["URN", "School", "Local authority", "Clusters", "Phase", "Participants",
                  "Places on ended cohorts", "Completed", "Completion rate (%)", "Waitlisted",
                  "Participant impact (average)", "Evaluations", "School impact (average)", "School answers"]


class ReportFilter(forms.Form):
    year = forms.ChoiceField(label="Academic year", required=False)
    programme = forms.ChoiceField(label="Programme", required=False)

    def __init__(self, data, *, years: list[str], programmes: list[tuple[int, str]], default_year: str):
        super().__init__(data)
        years = sorted(set(years) | {default_year}, reverse=True)
        self.fields["year"].choices = [(y, y) for y in years]
        self.fields["programme"].choices = [("", "All programmes")] + [(str(pk), t) for pk, t in programmes]
        self.default_year = default_year

    def value(self, name: str) -> str:
        if self.is_bound and self.is_valid():
            return self.cleaned_data[name] or ("" if name == "programme" else self.default_year)
        return self.default_year if name == "year" else ""


@dataclass
class Tally:
    participants: int = 0
    ended: int = 0
    completed: int = 0
    waitlisted: int = 0
    evaluations: int = 0
    evaluation_sum: int = 0
    answers: int = 0
    answer_sum: int = 0

    def add(self, other: Tally) -> None:
        """Every field plus `other`'s (written out: a loop over the fields took a tenth of the report's time)."""
        self.participants += other.participants
        self.ended += other.ended
        self.completed += other.completed
        self.waitlisted += other.waitlisted
        self.evaluations += other.evaluations
        self.evaluation_sum += other.evaluation_sum
        self.answers += other.answers
        self.answer_sum += other.answer_sum

    @property
    def rate(self) -> int | None:
        return round(self.completed * 100 / self.ended) if self.ended else None

    @property
    def evaluation_average(self) -> float | None:
        return round(self.evaluation_sum / self.evaluations, 1) if self.evaluations else None

    @property
    def school_average(self) -> float | None:
        return round(self.answer_sum / self.answers, 1) if self.answers else None

    def cells(self) -> list:
        return [self.participants, self.completed, self.rate, self.waitlisted, self.evaluation_average,
                self.school_average, self.evaluations, self.answers]


@dataclass
class Table:
    key: str
    title: str
    first: str
    rows: list[tuple[str, Tally]] = field(default_factory=list)


@dataclass
class Report:
    year: str
    programme: Programme | None
    limited: bool
    total: Tally
    tables: list[Table]
    # (cohort, its name, its programme's title, people waiting), or on PostgreSQL their table rows already written
    waitlists: list[tuple[int, str, str, int]] | SafeString
    schools: list[dict]
    waitlist_page: Page | None = None  # which page of the waitlists, with the count of cohorts waiting


def report_inputs(membership: Membership) -> tuple[list[str], list[tuple[int, str]]]:
    """The years with cohorts and the programmes, for the filters: one statement, the programmes' (pk, title)
    and the years as (NULL, year), in the programmes' order."""
    programmes = Programme.objects.filter(partnership=membership.partnership).order_by().values_list("pk", "title")
    years = Cohort.objects.filter(partnership=membership.partnership).order_by().values_list(
        Cast(None, BigIntegerField()), "academic_year").distinct()  # typed: an untyped NULL under DISTINCT is text
    rows = list(programmes.union(years, all=True).order_by("title", "pk"))
    return [year for pk, year in rows if pk is None], [(pk, title) for pk, title in rows if pk is not None]


def _places(membership: Membership, year: str, programme_id: str, limited_las):
    places = Place.objects.filter(partnership=membership.partnership, cohort__academic_year=year)
    if programme_id:
        places = places.filter(cohort__programme_id=programme_id)
    if limited_las is not None:
        places = places.filter(school__la_id__in=limited_las)
    return places


def _limited_las(membership: Membership) -> list[str] | None:
    limited = visible_local_authorities(membership=membership)
    return list(limited.values_list("pk", flat=True)) if limited is not None else None


def read_by_orm(*, membership: Membership, year: str, programme_id: str, limited_las, today: date,
                waitlists: bool = True, page: int = 1) -> dict:
    """What the report reads, by querysets (SQLite, and the reference for `report_sql.report_rows`, which reads
    the same in one statement on PostgreSQL): `per_school`, `evaluations`, `answers`, `clusters`, `waitlists`."""
    places = _places(membership, year, programme_id, limited_las)
    accepted = places.filter(status=PlaceStatus.ACCEPTED)
    # Per school with its name, LA and phase (a year's places are tens of thousands at scale: counts kept by
    # triggers on PostgreSQL).
    per_school = report_counts.per_school(places=places, partnership=membership.partnership, year=year,
                                          programme_id=programme_id, limited_las=limited_las, today=today)
    # The evaluations' and the headteachers' answers' scores by school, in one statement.
    evaluations: dict[str, tuple[int, int]] = {}
    answers: dict[str, tuple[int, int]] = {}
    scored = Evaluation.objects.filter(place__in=accepted).order_by().values_list(
        "place__school_id", Value(True, output_field=BooleanField())).annotate(n=Count("pk"), total=Sum("impact"))
    scored = scored.union(SchoolImpact.objects.filter(place__in=accepted, impact__isnull=False).order_by().values_list(
        "place__school_id", Value(False, output_field=BooleanField())).annotate(n=Count("pk"), total=Sum("impact")),
        all=True)
    for urn, evaluated, n, total in scored:
        (evaluations if evaluated else answers)[urn] = (n, total or 0)
    clusters: dict[str, list[str]] = defaultdict(list)
    for urn, name in ClusterSchool.objects.filter(partnership=membership.partnership, cluster__academic_year=year,
                                                  school_id__in=[r["school_id"] for r in per_school]) \
            .order_by("cluster__name").values_list("school_id", "cluster__name"):
        clusters[urn].append(name)
    found = {"per_school": per_school, "evaluations": evaluations, "answers": answers, "clusters": dict(clusters),
             "waitlists": [], "waitlist_count": 0}
    if waitlists:
        found["waitlists"], found["waitlist_count"] = _waitlists(places, page)
    return found


def _read(*, membership: Membership, year: str, programme_id: str, limited_las, today: date, waitlists: bool,
          inputs: bool = False, page: int = 1) -> dict:
    if connection.vendor == "postgresql":
        return report_sql.report_rows(partnership_id=membership.partnership_id, year=year, programme_id=programme_id,
                                      limited_las=limited_las, today=today, waitlists=waitlists, inputs=inputs,
                                      page=page)
    found = read_by_orm(membership=membership, year=year, programme_id=programme_id, limited_las=limited_las,
                        today=today, waitlists=waitlists, page=page)
    if inputs:
        found["years"], found["programmes"] = report_inputs(membership)
    return found


PROGRAMME_KEY = re.compile(r"[0-9]{1,18}")


def filtered_report(membership: Membership, data, *, today: date, waitlists: bool = True) -> tuple[ReportFilter,
                                                                                                      Report]:
    """The filter form on `data` (the query string, or None) and its report. The filters' choices are read with
    the report for the year and programme asked for (on PostgreSQL, one statement); if the form then settles on
    others (a year or programme that is not one of them), the report is read again for those."""
    default = default_year(today)
    year, programme_id = (data.get("year") or default, data.get("programme") or "") if data else (default, "")
    if programme_id and not PROGRAMME_KEY.fullmatch(programme_id):  # not a choice: the form falls back
        year, programme_id = default, ""
    limited_las = _limited_las(membership)
    page = number_in(data.get("page")) if data else 1  # of the waitlists
    found = _read(membership=membership, year=year, programme_id=programme_id, limited_las=limited_las,
                  today=today, waitlists=waitlists, inputs=True, page=page)
    form = ReportFilter(data, years=found["years"], programmes=found["programmes"], default_year=default)
    titles = dict(found["programmes"])
    chosen_year, chosen_programme = form.value("year"), form.value("programme")
    if (chosen_year, chosen_programme) != (year, programme_id):
        found = _read(membership=membership, year=chosen_year, programme_id=chosen_programme,
                      limited_las=limited_las, today=today, waitlists=waitlists, page=page)
    chosen = None
    if chosen_programme and int(chosen_programme) in titles:  # one of the choices: the form checked it
        chosen = Programme.from_db(connection.alias, ["id", "title"], [int(chosen_programme),
                                                                       titles[int(chosen_programme)]])
    return form, _report(found, year=chosen_year, programme=chosen, limited=limited_las is not None, page=page)


def build_report(*, membership: Membership, year: str, programme_id: str = "", today: date,
                 waitlists: bool = True) -> Report:
    """The report for a year (and programme); without `waitlists` (the exports, which do not show them) their
    query is not run."""
    limited_las = _limited_las(membership)
    found = _read(membership=membership, year=year, programme_id=programme_id, limited_las=limited_las,
                  today=today, waitlists=waitlists)
    chosen = None
    if programme_id:
        chosen = Programme.objects.filter(partnership=membership.partnership, pk=programme_id).first()
    return _report(found, year=year, programme=chosen, limited=limited_las is not None)


def _report(found: dict, *, year: str, programme: Programme | None, limited: bool, page: int = 1) -> Report:
    """The tallies of what `_read` read: in all, by LA, cluster, phase and school, and the rows of the exports."""
    evaluations, answers, clusters = found["evaluations"], found["answers"], found["clusters"]
    phases = dict(Phase.choices)
    total = Tally()
    by_la: dict[str, Tally] = defaultdict(Tally)
    by_cluster: dict[str, Tally] = defaultdict(Tally)
    by_phase: dict[str, Tally] = defaultdict(Tally)
    by_school: dict[str, Tally] = {}
    schools = []
    none = (0, 0)
    for row in sorted(found["per_school"], key=lambda r: r["school__name"]):
        urn, name = row["school_id"], row["school__name"]
        evaluation, answer = evaluations.get(urn, none), answers.get(urn, none)
        tally = Tally(row["participants"], row["ended"], row["completed"], row["waitlisted"],
                      evaluation[0], evaluation[1], answer[0], answer[1])
        total.add(tally)
        la = row["school__la__name"] or NO_LA
        phase = phases.get(row["school__phase"], NO_PHASE)
        by_la[la].add(tally)
        by_phase[phase].add(tally)
        by_school[f"{name} ({urn})"] = tally  # one row per school: never added to
        in_clusters = clusters.get(urn)
        for cluster in in_clusters or [NO_CLUSTER]:
            by_cluster[cluster].add(tally)
        schools.append({"urn": urn, "name": name, "la": la, "clusters": in_clusters or [], "phase": phase,
                        "tally": tally})
    tables = [Table("la", "By local authority", "Local authority", sorted(by_la.items())),
              Table("cluster", "By cluster", "Cluster", sorted(by_cluster.items())),
              Table("phase", "By phase", "Phase", sorted(by_phase.items())),
              Table("school", "By school", "School", list(by_school.items()))]
    return Report(year=year, programme=programme, limited=limited, total=total, tables=tables,
                  waitlists=found["waitlists"], schools=schools,
                  waitlist_page=page_of(found["waitlist_count"], page, per_page=WAITLIST_PAGE))


def _waitlists(places, page: int) -> tuple[list[tuple[int, str, str, int]], int]:
    """Page `page` of the cohorts with people waiting, most first, and how many cohorts have people waiting (a
    count, then the page's rows)."""
    query = (places.filter(status=PlaceStatus.WAITLISTED).order_by()
             .values_list("cohort_id", "cohort__name", "cohort__programme__title")
             .annotate(waiting=Count("pk")).order_by("-waiting", "cohort__programme__title", "cohort__name"))
    try:
        query.query.sql_with_params()
    except EmptyResultSet:  # an LA officer with no LAs: nobody (a query would have said so)
        return [], 0
    count = query.count()
    bottom = (page_of(count, page, per_page=WAITLIST_PAGE).number - 1) * WAITLIST_PAGE
    return list(query[bottom:bottom + WAITLIST_PAGE]), count


def export_rows(report: Report):
    for school in report.schools:
        t: Tally = school["tally"]
        yield [school["urn"], school["name"], school["la"], "; ".join(school["clusters"]) or NO_CLUSTER,
               school["phase"], t.participants, t.ended, t.completed, t.rate, t.waitlisted, t.evaluation_average,
               t.evaluations, t.school_average, t.answers]


def default_year(today: date) -> str:
    return academic_year_of(today)

