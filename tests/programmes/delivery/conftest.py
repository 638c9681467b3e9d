"""A cohort in delivery: five weekly sessions, the last one ten days ago, the system leader persona facilitating, the
participant persona and two colleagues with places from the headteacher persona's school (URN 139087)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from alliances.models import School
from tests.factories import PartnershipSchoolFactory, SystemLeaderFactory
from tests.factories.delivery import dl_cohort, dl_place, dl_programme, dl_sessions


@pytest.fixture
def delivery(partnership, headteacher, system_leader, broker, participant, admin):
    today = timezone.localdate()
    school = School.objects.get(urn="139087")
    PartnershipSchoolFactory(partnership=partnership, school=school, is_member=True)
    leader = SystemLeaderFactory(partnership=partnership, name="Fran Facilitator", home_school=school,
                                 user=system_leader.user)
    programme = dl_programme(partnership, created_by=admin.user)
    cohort = dl_cohort(programme, created_by=admin.user, first=today - timedelta(days=38), facilitators=[leader])
    sessions = dl_sessions(cohort)
    mine = dl_place(cohort, school, nominated_by=headteacher.user, user=participant.user, name="Pat Participant")
    others = [dl_place(cohort, school, nominated_by=headteacher.user, name=name)
              for name in ("Alex Able", "Robin Reed")]
    return SimpleNamespace(today=today, school=school, leader=leader, programme=programme, cohort=cohort,
                           sessions=sessions, place=mine, places=[mine, *others])
