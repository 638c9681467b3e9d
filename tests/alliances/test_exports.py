"""The schools download reads values, not School instances (alliances/exports.py): each line is what the instances
wrote (`get_phase_display`, `get_status_display`, `ofsted_label`, the partnership's link), for every phase, status,
Ofsted grade and category, a school with no local authority, and values outside the choices."""

from __future__ import annotations

from datetime import date

import pytest
from django_scopes import scope

from alliances.choices import OfstedCategory, Phase, Status
from alliances.exports import school_rows
from alliances.models import School
from alliances.selectors import schools_for
from tests.factories import PartnershipSchoolFactory, SchoolFactory

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
