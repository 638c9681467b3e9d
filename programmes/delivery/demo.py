"""Delivery demo data for `seed_demo` (through portal.demo's hook): for whatever cohorts the demo has, the registers
of sessions already held are taken, evaluations returned for ended cohorts, and the school impact asked for. All
through the services, and safe to run twice (a taken register, a returned evaluation are left alone). It does
nothing until the demo has cohorts with accepted places, so its place among the demo builders does not matter
except that it should run after the builder that makes the cohorts."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_scopes import scope

from portal.tenancy.models import Membership
from programmes.delivery import evaluations, registers
from programmes.delivery.registers import Mark
from programmes.delivery.selectors import accepted_places
from programmes.models import Evaluation, Place, PlaceStatus, Session

PRACTICE = [
    "I now plan sequences of lessons with colleagues and check pupils' understanding before moving on.",
    "I lead our phase's moderation of writing and share exemplars with the other schools in the cluster.",
    "I use the coaching conversations from the programme in my line management meetings every fortnight.",
    "Pastoral meetings now start from the data on attendance and behaviour, and we agree one action each.",
]


def _mark(index: int) -> Mark:
    if index % 9 == 4:
        return Mark("absent", "Covering a colleague's class")
    return Mark("late" if index % 7 == 3 else "present")


def build_delivery_demo(*, partnerships, broker, **_) -> None:
    partnership = partnerships["cambridgeshire"]
    today = timezone.localdate()
    with scope(partnership=partnership):
        held = list(Session.objects.filter(partnership=partnership, date__lt=today, register_taken_at__isnull=True)
                    .select_related("cohort", "partnership").order_by("date", "pk")[:500])
        for session in held:
            places = list(accepted_places(session.cohort).values_list("pk", flat=True))
            if places:
                registers.take_register(actor=broker, session=session, today=today,
                                        marks={pk: _mark(pk + session.pk) for pk in places})
        ended = {s.cohort for s in held} | {s.cohort for s in Session.objects.filter(
            partnership=partnership, date__lt=today - timedelta(days=7)).select_related("cohort")[:500]}
        for cohort in sorted(ended, key=lambda c: c.pk):
            last = evaluations.last_session_on(cohort)
            if last is None or last >= today:
                continue
            places = Place.objects.filter(cohort=cohort, status=PlaceStatus.ACCEPTED, user__isnull=False) \
                .exclude(pk__in=Evaluation.objects.filter(place__cohort=cohort).values("place_id")).order_by("pk")
            for index, place in enumerate(places):
                if index % 4 == 3:
                    continue  # some evaluations still outstanding, for the reminders and the reports
                member = Membership.objects.filter(partnership=partnership, user_id=place.user_id,
                                                   is_active=True).first()
                if member is None or evaluations.evaluation_problem(member, place, today=today):
                    continue
                evaluations.submit_evaluation(actor=member, place=place, practice_change=PRACTICE[index % 4],
                                              impact=5 + index % 5, today=today)
            evaluations.schedule_school_impact(cohort)
