"""Programmes, cohorts and places for the places slice's tests (issue 14). For arranging rows only: tests of a
change call programmes.places.transitions (these write no audit events, move no counters, send nothing).
Named places.py so it does not clash with the cohorts slice's factories (courses.py)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django_scopes import scopes_disabled

from programmes.models import Cohort, CohortStatus, Place, PlaceStatus, Programme, ProgrammeStatus
from tests.factories.portal import UserFactory


def make_programme(partnership, *, created_by=None, title: str = "Middle leaders' programme", **fields) -> Programme:
    with scopes_disabled():
        return Programme.objects.create(partnership=partnership, title=title, status=ProgrammeStatus.PUBLISHED,
                                        created_by=created_by or UserFactory(), **fields)


def make_cohort(partnership, *, programme=None, places: int = 10, created_by=None, name: str = "Autumn 2026 cohort",
                starts_on: date | None = None, **fields) -> Cohort:
    """An open cohort taking applications today (window from a week ago to a month ahead), starting in two months."""
    today = timezone.localdate()
    created_by = created_by or UserFactory()
    programme = programme or make_programme(partnership, created_by=created_by)
    defaults = {"applications_open": today - timedelta(days=7), "applications_close": today + timedelta(days=30),
                "status": CohortStatus.OPEN, "academic_year": "2026-27"}
    with scopes_disabled():
        return Cohort.objects.create(partnership=partnership, programme=programme, name=name, places=places,
                                     created_by=created_by, starts_on=starts_on or today + timedelta(days=60),
                                     **{**defaults, **fields})


def make_place(cohort, school, *, nominated_by=None, status: str = PlaceStatus.NOMINATED, name: str = "Sam Taylor",
               email: str | None = None, **fields) -> Place:
    with scopes_disabled():
        count = Place.objects.filter(cohort=cohort).count()
        return Place.objects.create(partnership=cohort.partnership, cohort=cohort, school=school, name=name,
                                    email=email or f"person{count}-{cohort.pk}@school.example.org",
                                    job_role="Year 6 teacher", status=status,
                                    nominated_by=nominated_by or UserFactory(), **fields)
