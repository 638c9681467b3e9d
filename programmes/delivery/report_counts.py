"""The programme reports' places per school: participants, those whose cohort has ended, completed, waitlisted.

On PostgreSQL added up from the counts triggers keep of the places (`programmes.SchoolPlaceCounts`: about 3,000
rows where a year's places are 60,000 at scale), deciding "ended by today" from the end date each count keeps;
elsewhere (SQLite) counted from the places. Both give the same rows, by school key
(`tests/programmes/delivery/test_report_counts.py`)."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from programmes.models import PlaceStatus, SchoolPlaceCounts

SCHOOL = ("school_id", "school__name", "school__la__name", "school__phase")  # read with the counts: no other query


def per_school(*, places: QuerySet, partnership, year: str, programme_id: str, limited_las, today: date) -> list[dict]:
    """One dict per school with a place in `places` (the year's, of the programme if one is chosen, in the LAs
    seen): school_id, the school's name, LA name and phase (`SCHOOL`), participants, ended, completed and waitlisted,
    by school key."""
    if connection.vendor != "postgresql":
        return counted_places(places, today)
    counts = SchoolPlaceCounts.objects.filter(partnership=partnership, academic_year=year)
    if programme_id:
        counts = counts.filter(programme_id=programme_id)
    if limited_las is not None:
        counts = counts.filter(school__la_id__in=limited_las)
    ended = Q(ends_on__lt=today)
    return list(counts.values(*SCHOOL).annotate(
        participants=Coalesce(Sum("accepted"), 0), ended=Coalesce(Sum("accepted", filter=ended), 0),
        completed=Coalesce(Sum("completed", filter=ended), 0), waitlisted=Coalesce(Sum("waitlisted"), 0),
        places=Sum("places")).filter(places__gt=0)
        .values(*SCHOOL, "participants", "ended", "completed", "waitlisted").order_by("school_id"))


def counted_places(places: QuerySet, today: date) -> list[dict]:
    """`per_school` counted from the places themselves."""
    accepted = Q(status=PlaceStatus.ACCEPTED)
    return list(places.order_by().values(*SCHOOL)
                .annotate(participants=Count("pk", filter=accepted),
                          ended=Count("pk", filter=accepted & Q(cohort__ends_on__lt=today)),
                          completed=Count("pk", filter=accepted & Q(cohort__ends_on__lt=today,
                                                                    completed_at__isnull=False)),
                          waitlisted=Count("pk", filter=Q(status=PlaceStatus.WAITLISTED))).order_by("school_id"))
