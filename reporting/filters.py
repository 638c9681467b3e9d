"""What a dashboard covers: the viewer's reach (an LA officer's LAs, or the whole partnership) narrowed by
the filters they chose (academic year and term, LA, cluster, school, phase, designation, need area).

`DashboardFilterForm` offers only what the viewer may see, so a cluster, LA or school outside their reach
is a form error, never a wider view. `Scope` is the result: plain values the figures are computed from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone

from alliances.models import Cluster, ClusterSchool, Phase, School, Specialism
from alliances.selectors import schools_named, visible_local_authorities
from portal.calendar.schooldays import TERM_ORDER, SchoolCalendar, Term, academic_year_of, conventional_term
from portal.tenancy.models import Membership
from reporting.filter_choices import filter_lists

# A school's phase (GIAS) to the phase flag a system leader ticks, for the phase filter on leaders.
LEADER_PHASE_FLAGS: dict[str, tuple[str, ...]] = {
    Phase.NURSERY: ("phase_early_years",),
    Phase.PRIMARY: ("phase_primary",),
    Phase.MIDDLE_PRIMARY: ("phase_primary",),
    Phase.SECONDARY: ("phase_secondary",),
    Phase.MIDDLE_SECONDARY: ("phase_secondary",),
    Phase.SIXTEEN_PLUS: ("phase_post16",),
    Phase.ALL_THROUGH: ("phase_primary", "phase_secondary"),
    Phase.NOT_APPLICABLE: ("phase_special",),
}


SCHOOL_CHOICES = 10  # schools offered when a name matches several


@dataclass
class Scope:
    """The dashboard's reach and filters, resolved: everything the figures need to know, no queries left."""

    partnership: object
    year: str
    term: str  # "" for the whole academic year
    terms: list[Term]  # the selected terms, in order
    start: date  # first day that counts against the first selected term (holidays count against the next term)
    end: date
    limited_las: list[str] | None  # an LA officer's LA codes; None for the steering group
    las: dict[str, str] = field(default_factory=dict)  # the LAs on offer: code -> name
    la: str = ""
    cluster: Cluster | None = None
    school: School | None = None
    phase: str = ""
    designation: str = ""
    area: Specialism | None = None
    specialisms: dict[int, str] = field(default_factory=dict)  # id -> name, every specialism of the partnership
    calendar: SchoolCalendar | None = None  # the partnership's terms, to place a date in its term
    year_start: date | None = None  # the whole academic year's bounds, for capacity planning by term
    year_end: date | None = None

    @property
    def term_keys(self) -> list[str]:
        return [term.key for term in self.terms]

    @property
    def period_label(self) -> str:
        if self.term:
            return f"{self.term.capitalize()} term {self.year}"
        return f"Academic year {self.year}"

    @property
    def level(self) -> str:
        """What the breakdown table lists: LAs, then clusters of one LA, then schools of one cluster."""
        if self.school is not None:
            return "school"
        if self.cluster is not None:
            return "cluster"
        if self.la:
            return "la"
        return "top"

    def school_q(self, path: str = "school", *, by_phase: bool = True, by_school: bool = True) -> Q:
        """The schools this dashboard covers, as a filter on `path` (a foreign key to School)."""
        q = Q()
        if self.limited_las is not None:
            q &= Q(**{f"{path}__la__in": self.limited_las})
        if self.la:
            q &= Q(**{f"{path}__la": self.la})
        if self.cluster is not None:
            q &= Q(**{f"{path}__in": ClusterSchool.objects.filter(cluster=self.cluster).values("school_id")})
        if by_school and self.school is not None:
            q &= Q(**{path: self.school.pk})
        if by_phase and self.phase:
            q &= Q(**{f"{path}__phase": self.phase})
        return q

    def leader_q(self) -> Q:
        """System leaders counted for capacity: those based in the area covered (a chosen school narrows no
        further), who work in the chosen phase (their own phases, not their home school's) and designation."""
        q = self.school_q("home_school", by_phase=False, by_school=False)
        if self.phase in LEADER_PHASE_FLAGS:
            phase_q = Q()
            for flag in LEADER_PHASE_FLAGS[self.phase]:
                phase_q |= Q(**{flag: True})
            q &= phase_q
        if self.designation:
            q &= Q(designation=self.designation)
        return q

    def query(self, **changes) -> dict[str, str]:
        """The filters as GET parameters, with `changes` applied: for drill-down and export links."""
        params = {"year": self.year, "term": self.term, "la": self.la,
                  "cluster": str(self.cluster.pk) if self.cluster else "",
                  "school": self.school.pk if self.school else "", "phase": self.phase,
                  "designation": self.designation, "area": str(self.area.pk) if self.area else ""}
        params.update({key: str(value) for key, value in changes.items()})
        return {key: value for key, value in params.items() if value}


def period_bounds(terms: SchoolCalendar, year: str, term: str) -> tuple[list[Term], date, date]:
    """The selected terms and the days that count against them. A holiday counts against the term after it
    (as the capacity ledger does), so a period starts the day after the previous term ends."""
    year_terms = terms.year_terms(year)
    if term:
        # A calendar may lack a term (an LA that has not published its summer dates yet): the usual dates stand in.
        selected = [t for t in year_terms if t.name == term] or [conventional_term(year, term)]
    else:
        selected = list(year_terms)
    first = selected[0]
    earlier = [t.end for t in year_terms if t.end < first.start]
    if earlier:
        start = max(earlier) + timedelta(days=1)
    else:
        previous_year = f"{int(year[:4]) - 1}-{year[2:4]}"
        start = min(terms.year_terms(previous_year)[-1].end + timedelta(days=1), date(int(year[:4]), 9, 1))
    # The year ends with its last term: the summer holiday after it counts against next year's autumn term.
    return selected, start, selected[-1].end


class DashboardFilterForm(forms.Form):
    year = forms.ChoiceField(label="Academic year")
    term = forms.ChoiceField(label="Term", required=False)
    la = forms.ChoiceField(label="Local authority", required=False)
    cluster = forms.ChoiceField(label="Cluster", required=False, help_text="Clusters of the chosen academic year")
    school = forms.CharField(label="School", required=False, max_length=100,
                             help_text="Its name or six-digit URN, for example Bewick Bridge or 110234")
    phase = forms.ChoiceField(label="Phase", required=False)
    designation = forms.ChoiceField(label="Designation", required=False)
    area = forms.ChoiceField(label="Need area", required=False)
    read_catalogues = False  # whether `catalogues` is read with the lists: [(pk, academic year, status)] or None

    def __init__(self, data, *, membership: Membership):
        self.membership = membership
        self.school_choices: list[School] = []  # filled when a school name matches several
        partnership = membership.partnership
        today = timezone.localdate()
        self.current_year = academic_year_of(today)
        data = data.copy() if data is not None else {}
        if not data.get("year"):
            data["year"] = self.current_year
        super().__init__(data)
        for bound in self.fields.values():
            bound.error_messages["invalid_choice"] = "Choose one of the options in the list"
        limited = visible_local_authorities(membership=membership)
        # One statement on PostgreSQL; with the partnership's catalogues when the form asks for them (`catalogues`).
        lists = filter_lists(membership=membership, limited=limited, catalogues=self.read_catalogues)
        self.catalogues = lists.catalogues
        self.periods = lists.periods
        self.terms = SchoolCalendar(self.periods)
        self.las = lists.las  # an LA officer's LAs, or those the partnership works in; by name
        self.limited_las = sorted(self.las) if limited is not None else None
        cluster_rows = lists.clusters
        if self.limited_las is not None:
            cluster_rows = [row for row in cluster_rows if row[3] in self.las]
        years = {self.current_year, academic_year_of(today - timedelta(days=365))}
        years |= {p.academic_year for p in self.periods} | {row[2] for row in cluster_rows}
        self.fields["year"].choices = [(y, y) for y in sorted(years, reverse=True)]
        self.fields["term"].choices = [("", "Whole year")] + [(t, t.capitalize()) for t in TERM_ORDER]
        self.fields["la"].choices = [("", "All local authorities" if self.limited_las is None else "All my LAs")] + list(
            self.las.items())
        chosen_year = self.data.get("year") if self.data.get("year") in years else self.current_year
        self.clusters = {row[0]: row for row in cluster_rows}
        self.notices: list[str] = []
        chosen = {str(pk): row for pk, row in self.clusters.items()}.get(self.data.get("cluster", ""))
        if chosen is not None:
            pk, name, cluster_year, cluster_la = chosen
            if cluster_year != chosen_year:
                # Clusters are per academic year: moving to another year leaves the cluster, not its LA.
                self.data = self.data.copy()
                self.data["cluster"] = ""
                if not self.data.get("la") and cluster_la in self.las:
                    self.data["la"] = cluster_la
                self.notices.append(f"{name} is a cluster of {cluster_year}, so these figures are for every cluster "
                                    f"in {chosen_year}.")
        self.fields["cluster"].choices = [("", "All clusters")] + [
            (str(pk), name) for pk, name, year, _ in cluster_rows if year == chosen_year]
        self.fields["phase"].choices = [("", "All phases")] + list(Phase.choices)
        self.fields["designation"].choices = [("", "All designations")] + [
            (code, f"{label} ({code})") for code, label in partnership.designation_labels.items()]
        self.specialisms = {pk: (name, retired) for pk, name, retired in lists.specialisms}
        self.fields["area"].choices = [("", "All need areas")] + [
            (str(pk), name) for pk, (name, retired) in self.specialisms.items() if not retired]

    def clean_school(self) -> School | None:
        """A URN, or a name that matches one school the viewer may see; several matches are offered as choices
        (`school_choices`), none is an error."""
        text = " ".join((self.cleaned_data.get("school") or "").split())
        if not text:
            return None
        if text.isascii() and text.isdigit():
            if len(text) != 6:
                raise forms.ValidationError("Enter a school's name or its URN of six digits, for example 110234")
            school = School.objects.filter(pk=text).select_related("la").first()
            if school is None or (self.limited_las is not None and school.la_id not in self.limited_las):
                raise forms.ValidationError("There is no school with this URN in the local authorities you can see")
            return school
        matches = schools_named(text, la_codes=self.limited_las, limit=SCHOOL_CHOICES + 1)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(f"No school called \u201c{text}\u201d is in the local authorities you can "
                                        "see. Check the spelling or enter its URN")
        self.school_choices = matches[:SCHOOL_CHOICES]
        more = "More than " if len(matches) > SCHOOL_CHOICES else ""
        raise forms.ValidationError(f"{more}{len(self.school_choices)} schools match \u201c{text}\u201d: choose one "
                                    "from the list below the filters, or enter its URN")

    def scope(self) -> Scope:
        """The filters that are valid; a field with an error falls back to its default (the errors show)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        cleaned = self.cleaned_data
        year = cleaned.get("year") or self.current_year
        term = cleaned.get("term") or ""
        selected, start, end = period_bounds(self.terms, year, term)
        _, year_start, year_end = period_bounds(self.terms, year, "")
        cluster = None
        if cleaned.get("cluster"):
            row = self.clusters[int(cleaned["cluster"])]
            cluster = Cluster(pk=row[0], name=row[1], academic_year=row[2], la_id=row[3],
                              partnership=self.membership.partnership)
        area = None
        if cleaned.get("area"):
            area = Specialism(pk=int(cleaned["area"]), name=self.specialisms[int(cleaned["area"])][0])
        la = cleaned.get("la") or ""
        if cluster is not None and not la and cluster.la_id:
            la = cluster.la_id
        return Scope(
            partnership=self.membership.partnership, year=year, term=term, terms=selected, start=start, end=end,
            limited_las=self.limited_las, las=self.las, la=la, cluster=cluster, school=cleaned.get("school"),
            phase=cleaned.get("phase") or "", designation=cleaned.get("designation") or "", area=area,
            specialisms={pk: name for pk, (name, _) in self.specialisms.items()},
            calendar=self.terms, year_start=year_start, year_end=year_end,
        )
