"""The delivery demo builder takes the registers of held sessions, returns evaluations and asks for the school's
impact through the services, and adds nothing the second time."""

from __future__ import annotations

import pytest

from programmes.delivery.demo import build_delivery_demo
from programmes.models import AttendanceMark, Evaluation, SchoolImpact, Session

pytestmark = [pytest.mark.django_db]


def test_the_demo_builder_takes_registers_and_returns_evaluations_once(partnership, delivery, broker):
    for _ in range(2):
        build_delivery_demo(partnerships={"cambridgeshire": partnership}, broker=broker)
    assert not Session.objects.filter(cohort=delivery.cohort, register_taken_at__isnull=True).exists()
    assert AttendanceMark.objects.filter(session__cohort=delivery.cohort).count() == 5 * 3
    assert set(AttendanceMark.objects.values_list("attendance", flat=True)) <= {"present", "late", "absent"}
    assert list(Evaluation.objects.values_list("place_id", flat=True)) == [delivery.place.pk]
    assert SchoolImpact.objects.count() == 3
