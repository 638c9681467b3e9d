"""The counts of each school's places per year, programme and cohort end date (`programmes.SchoolPlaceCounts`) and
of each cohort's people waiting with the cohort's year, programme and name (`programmes.CohortWaitingCount`), kept
by PostgreSQL triggers on the places and cohorts, always equal the places: after places are added one by one and
in bulk, change status, complete, move cohort and school, are deleted, and cohorts change end date, year,
programme and name, in any order (a Hypothesis property test), and when a place is added while another connection
changes its cohort. The programme reports' rows per school read them, and give what counting the places gives."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programmes.delivery.report_counts import counted_places, per_school
from programmes.models import Cohort, CohortWaitingCount, Place, PlaceStatus, SchoolPlaceCounts
from tests.concurrency import write_while_held
from tests.factories import SchoolFactory
from tests.factories.courses import CohortFactory, PlaceFactory, ProgrammeFactory

pytestmark = [pytest.mark.django_db]
YEARS = ["2025-26", "2026-27"]
ENDS = [None, date(2026, 3, 20), date(2026, 12, 1), date(2027, 7, 16)]
TODAYS = [date(2026, 1, 1), date(2026, 12, 2), date(2027, 9, 1)]
STATUSES = [PlaceStatus.ACCEPTED, PlaceStatus.WAITLISTED, PlaceStatus.WITHDRAWN, PlaceStatus.APPLIED]


def _from_places(partnership) -> Counter:
    found = Counter()
    for year, programme, ends_on, school, status, completed in Place.objects.filter(partnership=partnership) \
            .values_list("cohort__academic_year", "cohort__programme_id", "cohort__ends_on", "school_id", "status",
                         "completed_at"):
        key = (year, programme, ends_on, school)
        found[key + ("places",)] += 1
        found[key + ("accepted",)] += status == PlaceStatus.ACCEPTED
        found[key + ("completed",)] += status == PlaceStatus.ACCEPTED and completed is not None
        found[key + ("waitlisted",)] += status == PlaceStatus.WAITLISTED
    return +found  # without the zeros


def _from_counts(partnership) -> Counter:
    found = Counter()
    for row in SchoolPlaceCounts.objects.filter(partnership=partnership).values():
        key = (row["academic_year"], row["programme_id"], row["ends_on"], row["school_id"])
        for name in ("places", "accepted", "completed", "waitlisted"):
            found[key + (name,)] += row[name]
    return +found


def _waiting_from_places(partnership) -> Counter:
    return +Counter(Place.objects.filter(partnership=partnership, status=PlaceStatus.WAITLISTED).values_list(
        "cohort_id", "cohort__academic_year", "cohort__programme_id", "cohort__name"))


def _waiting_from_counts(partnership) -> Counter:
    """The kept rows' counts by cohort with what they copy of it; each copy checked against the cohort, zeros too."""
    found = Counter()
    for row in CohortWaitingCount.objects.filter(partnership=partnership).values(
            "cohort_id", "academic_year", "programme_id", "name", "waiting", "cohort__academic_year",
            "cohort__programme_id", "cohort__name", "cohort__partnership_id"):
        assert (row["academic_year"], row["programme_id"], row["name"], partnership.pk) == (
            row["cohort__academic_year"], row["cohort__programme_id"], row["cohort__name"],
            row["cohort__partnership_id"])
        found[(row["cohort_id"], row["academic_year"], row["programme_id"], row["name"])] += row["waiting"]
    return +found


def _agree(partnership, programmes) -> None:
    assert _from_counts(partnership) == _from_places(partnership)
    assert _waiting_from_counts(partnership) == _waiting_from_places(partnership)
    for year in YEARS:
        for programme_id in ["", str(programmes[0].pk)]:
            for limited_las in (None, []):
                places = Place.objects.filter(partnership=partnership, cohort__academic_year=year)
                if programme_id:
                    places = places.filter(cohort__programme_id=programme_id)
                if limited_las is not None:
                    places = places.filter(school__la_id__in=limited_las)
                for today in TODAYS:
                    assert per_school(places=places, partnership=partnership, year=year, programme_id=programme_id,
                                      limited_las=limited_las, today=today) == counted_places(places, today)


@pytest.fixture
def cohorts(partnership):
    with scopes_disabled():
        programmes = [ProgrammeFactory(partnership=partnership) for _ in range(2)]
        made = [CohortFactory(partnership=partnership, programme=programmes[i % 2], academic_year=YEARS[i % 2],
                              ends_on=ENDS[i]) for i in range(4)]
        schools = [SchoolFactory() for _ in range(3)]
    return {"programmes": programmes, "cohorts": made, "schools": schools}


def test_the_counts_follow_places_and_cohorts(partnership, other_partnership, cohorts):
    assert connection.vendor == "postgresql"  # the triggers are what is tested; CI runs PostgreSQL
    with scopes_disabled():
        first, second = cohorts["cohorts"][:2]
        a, b = cohorts["schools"][:2]
        PlaceFactory(partnership=partnership, cohort=first, school=a)
        PlaceFactory(partnership=partnership, cohort=first, school=a, status=PlaceStatus.WAITLISTED)
        PlaceFactory(partnership=partnership, cohort=second, school=b, completed_at=timezone.now())
        PlaceFactory(partnership=partnership, cohort=second, school=b, status=PlaceStatus.WITHDRAWN)
        PlaceFactory(partnership=other_partnership)  # another partnership's place is not in these counts
        _agree(partnership, cohorts["programmes"])
        Cohort.objects.filter(pk=second.pk).update(ends_on=date(2026, 11, 1), programme=cohorts["programmes"][0])
        Place.objects.filter(cohort=first, status=PlaceStatus.WAITLISTED).update(status=PlaceStatus.ACCEPTED)
        _agree(partnership, cohorts["programmes"])
        Place.objects.filter(cohort=second).update(cohort=first)
        Cohort.objects.filter(pk=first.pk).update(academic_year="2026-27")
        _agree(partnership, cohorts["programmes"])
        Place.objects.filter(partnership=partnership).delete()
        _agree(partnership, cohorts["programmes"])
        assert not _from_counts(partnership)
        assert SchoolPlaceCounts.objects.filter(partnership=other_partnership, places=1).count() == 1
        assert set(CohortWaitingCount.objects.filter(partnership=partnership).values_list("waiting", flat=True)) \
            == {0}  # a cohort that had people waiting keeps its row, at zero


def test_a_cohort_s_waiting_count_follows_its_waitlist_and_its_name(partnership, other_partnership, cohorts):
    with scopes_disabled():
        first, second = cohorts["cohorts"][:2]
        school = cohorts["schools"][0]
        PlaceFactory(partnership=partnership, cohort=first, school=school)  # not waiting: no row
        assert not CohortWaitingCount.objects.filter(cohort=first).exists()
        waiting = [PlaceFactory(partnership=partnership, cohort=first, school=school,
                                status=PlaceStatus.WAITLISTED) for _ in range(3)]
        PlaceFactory(partnership=other_partnership, status=PlaceStatus.WAITLISTED)
        assert CohortWaitingCount.objects.get(cohort=first).waiting == 3
        Cohort.objects.filter(pk=first.pk).update(name="Spring 2027 cohort", academic_year="2026-27",
                                                  programme=cohorts["programmes"][1])
        Place.objects.filter(pk=waiting[0].pk).update(status=PlaceStatus.ACCEPTED)
        Place.objects.filter(pk=waiting[1].pk).update(cohort=second)
        kept = CohortWaitingCount.objects.get(cohort=first)
        assert (kept.name, kept.academic_year, kept.programme_id, kept.waiting) == (
            "Spring 2027 cohort", "2026-27", cohorts["programmes"][1].pk, 1)
        assert CohortWaitingCount.objects.get(cohort=second).waiting == 1
        _agree(partnership, cohorts["programmes"])


OPERATIONS = st.lists(st.tuples(
    st.sampled_from(["add", "add many", "status", "complete", "move cohort", "move school", "delete", "cohort ends",
                     "cohort year", "cohort programme", "save cohort"]),
    st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=99)), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_the_counts_follow_the_places_in_any_order(partnership, cohorts, operations):
    with scopes_disabled():
        Place.objects.filter(partnership=partnership).delete()
        SchoolPlaceCounts.objects.filter(partnership=partnership).delete()
        CohortWaitingCount.objects.filter(partnership=partnership).delete()
        made, schools, programmes = cohorts["cohorts"], cohorts["schools"], cohorts["programmes"]
        for i, cohort in enumerate(made):
            Cohort.objects.filter(pk=cohort.pk).update(academic_year=YEARS[i % 2], ends_on=ENDS[i],
                                                       programme=programmes[i % 2])
        for operation, which, n in operations:
            cohort = Cohort.objects.get(pk=made[which].pk)
            places = Place.objects.filter(cohort=cohort)
            first = places.filter(pk__in=places.order_by("pk").values("pk")[:1])
            if operation == "add":
                PlaceFactory(partnership=partnership, cohort=cohort, school=schools[n % 3],
                             status=STATUSES[n % len(STATUSES)])
            elif operation == "add many":
                Place.objects.bulk_create([PlaceFactory.build(partnership=partnership, cohort=other,
                                                              school=schools[n % 3], status=STATUSES[n % 4],
                                                              nominated_by=other.created_by)
                                           for other in made])
            elif operation == "status":
                first.update(status=STATUSES[n % len(STATUSES)])
            elif operation == "complete":
                places.update(completed_at=timezone.now() if n % 2 else None)
            elif operation == "move cohort":
                first.update(cohort=made[n % 4])
            elif operation == "move school":
                places.update(school=schools[n % 3])
            elif operation == "delete":
                first.delete()
            elif operation == "cohort ends":
                Cohort.objects.filter(pk=cohort.pk).update(ends_on=ENDS[n % 4] or date(2026, 9, 1) + timedelta(n))
            elif operation == "cohort year":
                Cohort.objects.filter(pk=cohort.pk).update(academic_year=YEARS[n % 2])
            elif operation == "cohort programme":
                Cohort.objects.filter(pk=cohort.pk).update(programme=programmes[n % 2])
            else:
                cohort.name = f"Renamed {n}"
                cohort.save()
            _agree(partnership, programmes)


@pytest.mark.django_db(transaction=True)
def test_a_place_added_while_its_cohort_changes_is_counted_under_the_new_key(partnership):
    """The cohort's end date changes in one connection and, before that commits, a place is added in another:
    the place's trigger waits for the cohort and counts the place under the new end date."""
    with scopes_disabled():
        cohort = CohortFactory(partnership=partnership, ends_on=date(2026, 12, 1))
        school = SchoolFactory()
    write_while_held(
        lambda: Cohort.objects.filter(pk=cohort.pk).update(ends_on=date(2027, 7, 16)),
        lambda: PlaceFactory(partnership=partnership, cohort=cohort, school=school),
    )
    with scopes_disabled():
        assert _from_counts(partnership) == _from_places(partnership)
        assert SchoolPlaceCounts.objects.get(partnership=partnership, places=1).ends_on == date(2027, 7, 16)


@pytest.mark.django_db(transaction=True)
def test_a_place_waitlisted_while_its_cohort_is_renamed_copies_the_new_name(partnership):
    """The cohort is renamed in one connection and, before that commits, someone is waitlisted in another: the
    place's trigger waits for the cohort and its cohort's row takes the new name."""
    with scopes_disabled():
        cohort = CohortFactory(partnership=partnership, name="Autumn 2026 cohort")
        school = SchoolFactory()
    write_while_held(
        lambda: Cohort.objects.filter(pk=cohort.pk).update(name="Autumn 2026 cohort (moved)"),
        lambda: PlaceFactory(partnership=partnership, cohort=cohort, school=school, status=PlaceStatus.WAITLISTED),
    )
    with scopes_disabled():
        assert _waiting_from_counts(partnership) == _waiting_from_places(partnership)
        assert CohortWaitingCount.objects.get(cohort=cohort).name == "Autumn 2026 cohort (moved)"
