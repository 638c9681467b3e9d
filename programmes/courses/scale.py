"""Programme rows at benchmark scale (used by `manage.py seed_scale`), written with bulk_create in batches.

One partnership gets 40 programmes and `cohorts` cohorts spread over them, eight sessions each, `participants`
places spread over the cohorts (nearly all accepted, the rest waitlisted, so no cohort is over-taken) and
`marks` register marks for the sessions in order, as if the registers had been taken for the first weeks.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from django.utils import timezone

from alliances.models import PartnershipSchool
from portal.accounts.models import User
from programmes.models import (
    Attendance,
    AttendanceMark,
    Audience,
    Cohort,
    CohortStatus,
    Place,
    PlaceStatus,
    Programme,
    ProgrammeStatus,
    Session,
)

SESSIONS_PER_COHORT = 8
AUDIENCES = list(Audience.values)


def seed_courses(partnership, *, user: User, cohorts: int = 2000, participants: int = 60_000, marks: int = 400_000,
                 rng: random.Random | None = None) -> tuple[int, int, int]:
    """Returns (cohorts, places, marks) written; nothing when the partnership already has programmes."""
    if cohorts <= 0 or Programme.objects.filter(partnership=partnership).exists():
        return 0, 0, 0
    rng = rng or random.Random(2026)
    now = timezone.now()
    programmes = Programme.objects.bulk_create([
        Programme(partnership=partnership, title=f"Programme {n + 1:02d}", summary="A benchmark programme.",
                  aims="Benchmark aims.", outcomes=["One outcome", "Another outcome"],
                  audiences=[AUDIENCES[n % len(AUDIENCES)]], phases=[] if n % 3 else ["primary"],
                  status=ProgrammeStatus.PUBLISHED, created_by=user) for n in range(40)])
    per_cohort = max(1, -(-participants // cohorts))  # places per cohort, rounded up
    first = date(2026, 9, 8)
    made = Cohort.objects.bulk_create([
        Cohort(partnership=partnership, programme=programmes[n % len(programmes)], name=f"Cohort {n + 1:04d}",
               academic_year="2026-27", places=per_cohort, minimum=min(6, per_cohort), status=CohortStatus.OPEN,
               starts_on=first + timedelta(days=n % 60),
               ends_on=first + timedelta(days=n % 60 + 7 * (SESSIONS_PER_COHORT - 1)), created_by=user)
        for n in range(cohorts)], batch_size=5000)
    sessions = Session.objects.bulk_create([
        Session(partnership=partnership, cohort=cohort, title=f"Session {k + 1}",
                date=cohort.starts_on + timedelta(days=7 * k), starts_at=time(9, 30), ends_at=time(15, 30),
                venue="Benchmark venue") for cohort in made for k in range(SESSIONS_PER_COHORT)], batch_size=5000)
    by_cohort: dict[int, list[Session]] = {}
    for session in sessions:
        by_cohort.setdefault(session.cohort_id, []).append(session)
    places, accepted = _places(partnership, made, user, participants, per_cohort, now)
    written = _marks(partnership, made, by_cohort, accepted, user, marks, rng, now)
    return len(made), len(places), written


def _places(partnership, made: list[Cohort], user: User, participants: int, per_cohort: int, now):
    """Places spread over the cohorts, the last few seats of each waitlisted; each cohort's taken set to match."""
    cohorts = len(made)
    schools = list(PartnershipSchool.objects.filter(partnership=partnership).values_list("school_id", flat=True))
    waitlisted_each = max(0, per_cohort // 15)
    places: list[Place] = []
    for n in range(participants):
        cohort = made[n % cohorts]
        seat = n // cohorts
        waiting = seat >= per_cohort - waitlisted_each
        places.append(Place(partnership=partnership, cohort=cohort, school_id=schools[n % len(schools)],
                            name=f"Participant {n + 1:05d}", email=f"participant{n + 1:05d}@bench.example",
                            job_role="Teacher", nominated_by=user, created_at=now,
                            status=PlaceStatus.WAITLISTED if waiting else PlaceStatus.ACCEPTED,
                            waitlisted_at=now if waiting else None, accepted_at=None if waiting else now))
    places = Place.objects.bulk_create(places, batch_size=5000)
    accepted: dict[int, list[Place]] = {}
    for place in places:
        if place.status == PlaceStatus.ACCEPTED:
            accepted.setdefault(place.cohort_id, []).append(place)
    for cohort in made:
        cohort.taken = len(accepted.get(cohort.pk, []))
    Cohort.objects.bulk_update(made, ["taken"], batch_size=5000)
    return places, accepted


def _marks(partnership, made, by_cohort, accepted, user: User, marks: int, rng: random.Random, now) -> int:
    """Register marks session by session, an equal share per cohort, written in batches."""
    cohorts = len(made)
    quota = -(-marks // cohorts) if cohorts else 0
    written, batch = 0, []
    kinds = [Attendance.PRESENT] * 8 + [Attendance.LATE, Attendance.ABSENT]
    for cohort in made:
        left = min(quota, marks - written)
        for session in by_cohort[cohort.pk]:
            for place in accepted.get(cohort.pk, []):
                if left <= 0:
                    break
                kind = rng.choice(kinds)
                batch.append(AttendanceMark(partnership=partnership, session=session, place=place, attendance=kind,
                                            absence_reason="Illness" if kind == Attendance.ABSENT else "",
                                            recorded_by=user, recorded_at=now))
                left -= 1
                written += 1
        if len(batch) >= 20_000:
            AttendanceMark.objects.bulk_create(batch, batch_size=5000)
            batch = []
    AttendanceMark.objects.bulk_create(batch, batch_size=5000)
    return written
