"""The directory's CSV rows (schools, system leaders), read as values (only the columns a line writes), not as model instances: at national
scale a schools download is 46,096 lines, and building a School for each (with its JSON fields decoded, and each
choice looked up through `get_FOO_display`) cost about three quarters of its time."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from alliances.models import LEADER_PHASES, OFSTED_GRADES, School, SystemLeader
from portal.ui.csv_export import choice_labels
from portal.written_sql import plan_cursors_for_every_row

SCHOOL_HEADER = ["URN", "Name", "Local authority", "Phase", "Type", "Status", "Town", "Postcode", "Pupils",
                 "Ofsted", "Ofsted date", "In this partnership"]
_SCHOOL_VALUES = ("urn", "name", "la__name", "phase", "type_name", "status", "town", "postcode", "pupils",
                  "ofsted_grade", "ofsted_category", "ofsted_date", "partnership_member", "in_partnership")


def school_rows(schools: QuerySet[School]) -> Iterator[tuple]:
    """A line under SCHOOL_HEADER for each school of `schools` (annotated as `selectors.schools_for` does), in its
    order: what `School.get_phase_display`, `get_status_display` and `ofsted_label` would write."""
    phases, statuses = choice_labels(School, "phase"), choice_labels(School, "status")
    categories = choice_labels(School, "ofsted_category")
    if schools.query.has_filters():  # a search, a filter or an LA officer's LAs: some of 46,096, read whole
        plan_cursors_for_every_row()
    for (urn, name, la, phase, type_name, status, town, postcode, pupils, grade, category, inspected, member,
         linked) in schools.values_list(*_SCHOOL_VALUES).iterator(chunk_size=2000):
        if category:
            ofsted = categories.get(category, category)
        else:
            ofsted = OFSTED_GRADES.get(grade, "Not inspected") if grade else ""
        yield (urn, name, la or "", phases.get(phase, phase), type_name, statuses.get(status, status), town,
               postcode, pupils, ofsted, inspected, "Member" if member else ("Non-member" if linked else ""))


LEADER_HEADER = ["Name", "Designation", "Status", "Home school URN", "Home school", "Local authority", "Designated on",
                 "Review due", "Capacity (days a term)", "Phases"]
CONTACT_HEADER = ["Email", "Phone"]
_LEADER_VALUES = ("name", "designation", "status", "home_school_id", "home_school__name", "home_school__la__name",
                  "designated_on", "review_due", "capacity_days_per_term", *LEADER_PHASES)


def leader_rows(leaders: QuerySet[SystemLeader], *, labels: dict, contacts: bool) -> Iterator[list]:
    """A line under LEADER_HEADER (and CONTACT_HEADER when `contacts`) for each leader of `leaders`, in its order:
    the designation by the partnership's `labels`, and what `get_status_display` and `phases` would write."""
    statuses = choice_labels(SystemLeader, "status")
    phases = tuple(LEADER_PHASES.values())
    fields = _LEADER_VALUES + (("email", "phone") if contacts else ())
    for row in leaders.values_list(*fields).iterator(chunk_size=2000):
        name, designation, status, urn, school, la, designated, review, capacity = row[:9]
        ticked = row[9:9 + len(phases)]
        yield [name, labels.get(designation, designation), statuses.get(status, status), urn, school, la or "",
               designated, review, capacity, ", ".join(label for label, on in zip(phases, ticked, strict=True) if on),
               *row[9 + len(phases):]]
