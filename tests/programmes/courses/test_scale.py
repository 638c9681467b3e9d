"""seed_scale's programme rows (small numbers here): cohorts never over-taken, places and marks as asked, once."""

from __future__ import annotations

import pytest
from django.db.models import F

from programmes.courses.scale import seed_courses
from programmes.models import AttendanceMark, Cohort, Place, Session
from tests.factories import PartnershipSchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_seed_courses_writes_cohorts_places_and_marks_once(partnership):
    PartnershipSchoolFactory(partnership=partnership)
    PartnershipSchoolFactory(partnership=partnership)
    user = UserFactory()
    assert seed_courses(partnership, user=user, cohorts=10, participants=300, marks=1000) == (10, 300, 1000)
    assert seed_courses(partnership, user=user, cohorts=10, participants=300, marks=1000) == (0, 0, 0)
    assert Cohort.objects.filter(partnership=partnership).count() == 10
    assert Session.objects.filter(partnership=partnership).count() == 80
    assert Place.objects.filter(partnership=partnership).count() == 300
    assert AttendanceMark.objects.filter(partnership=partnership).count() == 1000
    assert not Cohort.objects.filter(taken__gt=F("places")).exists()
    for cohort in Cohort.objects.filter(partnership=partnership):
        assert cohort.taken == Place.objects.filter(cohort=cohort, status="accepted").count() > 0
    assert Place.objects.filter(status="waitlisted").exists()
