"""The schools and system leaders downloads read values, not instances (alliances/exports.py): each line is what
the instances wrote (`get_phase_display`, `get_status_display`, `ofsted_label`, the partnership's link; the
designation's label, `phases`, the contacts), for every phase, status, Ofsted grade and category, a school with no
local authority, and values outside the choices."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django_scopes import scope

from alliances.choices import OfstedCategory, Phase, Status
from alliances.exports import leader_rows, school_rows
from alliances.models import LEADER_PHASES, LeaderStatus, School
from alliances.selectors import leaders_for, schools_for
from tests.factories import PartnershipSchoolFactory, SchoolFactory, SystemLeaderFactory

pytestmark = [pytest.mark.django_db]


def _as_instances_wrote(s: School) -> tuple:
    return (s.urn, s.name, s.la.name if s.la else "", s.get_phase_display(), s.type_name, s.get_status_display(),
            s.town, s.postcode, s.pupils, s.ofsted_label if s.ofsted_grade or s.ofsted_category else "",
            s.ofsted_date, "Member" if s.partnership_member else ("Non-member" if s.in_partnership else ""))


def test_each_line_is_what_the_instances_wrote(broker):
    phases, statuses = [*Phase.values, "", "unknown_phase"], [*Status.values, "odd"]
    categories = ["", "", "", *OfstedCategory.values, "unheard_of"]
    for index in range(24):
        school = SchoolFactory(urn=f"91{index:04d}", name=f"School {index % 5}", phase=phases[index % len(phases)],
                               status=statuses[index % len(statuses)], ofsted_grade=[None, 1, 2, 3, 4, 9][index % 6],
                               ofsted_category=categories[index % len(categories)], town=f"Town {index}",
                               postcode="CB1 1AA", pupils=index * 10 or None, type_name="Academy converter",
                               ofsted_date=date(2020, 1, 1 + index) if index % 2 else None,
                               **({"la": None} if index % 7 == 0 else {}))
        if index % 3:
            PartnershipSchoolFactory(partnership=broker.partnership, school=school, is_member=index % 3 == 1)
    with scope(partnership=broker.partnership):
        schools = schools_for(membership=broker).filter(urn__startswith="91").order_by("name", "urn")
        written = list(school_rows(schools))
        expected = [_as_instances_wrote(school) for school in schools]
    assert written == expected and len(written) == 24
    assert {row[3] for row in written} >= {"Primary", "", "unknown_phase"}
    assert {row[9] for row in written} >= {"Outstanding", "Serious weaknesses", "unheard_of", "Not inspected", ""}
    assert {row[11] for row in written} == {"Member", "Non-member", ""}


def test_each_leader_line_is_what_the_instances_wrote(broker):
    statuses = [*LeaderStatus.values, "odd"]
    for index in range(12):
        SystemLeaderFactory(partnership=broker.partnership, name=f"Leader {index % 4}", status=statuses[index % len(statuses)],
                            designation=["SLE", "NLE", "OWN"][index % 3], phone=f"0123 {index}",
                            home_school=SchoolFactory(urn=f"92{index:04d}", **({"la": None} if index % 5 == 0 else {})),
                            **{field: bool(index >> bit & 1) for bit, field in enumerate(LEADER_PHASES)})
    labels = {"SLE": "Specialist leader of education", "NLE": "National leader"}
    for contacts in (True, False):
        with scope(partnership=broker.partnership):
            leaders = leaders_for(membership=broker).order_by("name", "pk")
            written = list(leader_rows(leaders, labels=labels, contacts=contacts))
            expected = [
                [leader.name, labels.get(leader.designation, leader.designation), leader.get_status_display(),
                 leader.home_school_id, leader.home_school.name,
                 leader.home_school.la.name if leader.home_school.la else "", leader.designated_on, leader.review_due,
                 leader.capacity_days_per_term, ", ".join(leader.phases)]
                + ([leader.email, leader.phone] if contacts else [])
                for leader in leaders]
        assert written == expected and len(written) == 12
    assert {row[9] for row in written} >= {"", "Early years", "Early years, Primary"}


def _cursor_fraction() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        return cursor.fetchone()[0]


def test_a_search_s_download_is_planned_for_every_row_and_a_whole_list_s_for_its_first(broker):
    """A search or filter reads some of the schools whole: planned for all its rows, it finds them through their
    indexes and sorts them. The whole directory keeps PostgreSQL's fast start (the name index, first rows at once).
    The setting lasts for the download's own transaction (here, the test's)."""
    assert connection.vendor == "postgresql"
    SchoolFactory(urn="913001", name="Histon Academy")
    with scope(partnership=broker.partnership):
        everything = schools_for(membership=broker).order_by("name", "urn")
        assert not everything.query.has_filters()
        assert len(list(school_rows(everything))) == School.objects.count()
        assert _cursor_fraction() == "0.1"
        searched = list(school_rows(everything.filter(name__icontains="academy")))
    assert [row[1] for row in searched] == ["Histon Academy"]
    assert _cursor_fraction() == "1"
