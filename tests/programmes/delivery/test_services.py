"""Registers, completion, evaluations, the impact on the school and certificates, through the services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.audit.models import AuditEvent
from portal.errors import Conflict, DomainError, NotAllowed
from portal.tenancy.models import Membership
from programmes.delivery import certificates, evaluations, registers, selectors
from programmes.delivery.completion import update_completion
from programmes.delivery.registers import Mark
from programmes.models import AttendanceMark, Place, SchoolImpact, Session
from tests.factories import CalendarPeriodFactory, SystemLeaderFactory, make_member
from tests.factories.delivery import dl_evaluation, dl_marks, dl_place

pytestmark = [pytest.mark.django_db]


def _all(delivery, attendance="present", overrides=None):
    marks = {p.pk: Mark(attendance, "Ill" if attendance == "absent" else "") for p in delivery.places}
    marks.update(overrides or {})
    return marks


# Registers ----------------------------------------------------------------------------------------------------------

def test_a_facilitator_takes_the_register_and_retaking_corrects_it(delivery, system_leader):
    session = delivery.sessions[0]
    changed = registers.take_register(actor=system_leader, session=session, marks=_all(delivery))
    assert changed == 3
    session.refresh_from_db()
    assert session.register_taken_at is not None and session.register_taken_by == system_leader.user
    alex = delivery.places[1]
    changed = registers.take_register(actor=system_leader, session=session,
                                      marks=_all(delivery, overrides={alex.pk: Mark("absent", "Covering a class")}))
    assert changed == 1
    assert AttendanceMark.objects.filter(session=session).count() == 3
    mark = AttendanceMark.objects.get(session=session, place=alex)
    assert (mark.attendance, mark.absence_reason) == ("absent", "Covering a class")
    corrected = AuditEvent.objects.get(action="register.corrected")
    assert corrected.old == {f"Alex Able (place {alex.pk})": ["present", ""]}
    assert corrected.new == {f"Alex Able (place {alex.pk})": ["absent", "Covering a class"]}


def test_only_facilitators_and_the_steering_group_take_registers(delivery, partnership, broker, admin, approver):
    session = delivery.sessions[0]
    stranger = make_member(partnership, "system_leader")
    SystemLeaderFactory(partnership=partnership, name="Not Facilitating", user=stranger.user)
    with pytest.raises(NotAllowed):
        registers.take_register(actor=stranger, session=session, marks=_all(delivery))
    with pytest.raises(NotAllowed):
        registers.take_register(actor=approver, session=session, marks=_all(delivery))
    assert not AttendanceMark.objects.exists()
    registers.take_register(actor=broker, session=session, marks=_all(delivery))
    registers.take_register(actor=admin, session=session, marks=_all(delivery, "late"))
    assert set(AttendanceMark.objects.values_list("attendance", flat=True)) == {"late"}


def test_a_register_is_taken_from_the_sessions_day_with_every_participant_marked(delivery, system_leader):
    session = delivery.sessions[0]
    with pytest.raises(DomainError, match="from"):
        registers.take_register(actor=system_leader, session=session, marks=_all(delivery),
                                today=session.date - timedelta(days=1))
    registers.take_register(actor=system_leader, session=session, marks=_all(delivery), today=session.date)
    marks = _all(delivery)
    marks.pop(delivery.places[2].pk)
    with pytest.raises(DomainError, match="Robin Reed has no mark"):
        registers.take_register(actor=system_leader, session=session, marks=marks)
    with pytest.raises(DomainError, match="reason"):
        registers.take_register(actor=system_leader, session=session,
                                marks=_all(delivery, overrides={delivery.places[0].pk: Mark("absent", "  ")}))


def test_registers_to_take_lists_past_sessions_without_a_register(delivery, system_leader, broker):
    dl_marks(delivery.sessions[0], delivery.places, recorded_by=broker.user)
    waiting = list(selectors.registers_to_take(system_leader, today=delivery.today))
    assert waiting == delivery.sessions[1:]
    other = make_member(delivery.cohort.partnership, "system_leader")
    assert list(selectors.registers_to_take(other, today=delivery.today)) == []


# Completion ---------------------------------------------------------------------------------------------------------

def test_completion_needs_the_attendance_share_with_late_counting_and_the_evaluation(delivery, system_leader):
    pat = delivery.place
    # 4 of 5 sessions attended (one late) = 80%: the rule's share, but no evaluation yet.
    for index, session in enumerate(delivery.sessions):
        attendance = "absent" if index == 0 else ("late" if index == 1 else "present")
        registers.take_register(actor=system_leader, session=session, marks=_all(delivery, attendance))
    pat.refresh_from_db()
    assert pat.completed_at is None
    row = selectors.with_attendance(Place.objects.filter(pk=pat.pk)).get()
    assert (row.sessions, row.attended, row.absent, row.attendance_percent, row.meets_rule) == (5, 4, 1, 80, False)
    me = Membership.objects.get(user=pat.user, partnership=pat.partnership)
    evaluations.submit_evaluation(actor=me, place=pat, practice_change="I moderate writing with colleagues.", impact=7)
    pat.refresh_from_db()
    assert pat.completed_at is not None
    assert AuditEvent.objects.filter(action="place.completed", object_id=str(pat.pk)).count() == 1
    # A corrected register takes completion away again: 3 of 5 is below 80%.
    registers.take_register(actor=system_leader, session=delivery.sessions[2], marks=_all(delivery, "absent"))
    pat.refresh_from_db()
    assert pat.completed_at is None
    assert AuditEvent.objects.filter(action="place.completion_withdrawn", object_id=str(pat.pk)).exists()


def test_completion_without_an_evaluation_when_the_programme_does_not_ask_for_one(delivery, broker):
    delivery.programme.completion_needs_evaluation = False
    delivery.programme.completion_attendance = 60
    delivery.programme.save()
    for session in delivery.sessions[:3]:
        dl_marks(session, delivery.places, recorded_by=broker.user)
    assert update_completion(delivery.cohort) == (3, 0)
    assert update_completion(delivery.cohort) == (0, 0)


def test_attendance_is_computed_in_a_fixed_number_of_queries(delivery, broker, headteacher):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            rows = selectors.participants(delivery.cohort)
        return len(ctx.captured_queries), len(rows)

    small = count()
    for n in range(20):
        dl_place(delivery.cohort, delivery.school, nominated_by=headteacher.user, name=f"Extra {n}")
    for session in delivery.sessions:
        dl_marks(session, Place.objects.filter(cohort=delivery.cohort), recorded_by=broker.user)
    large = count()
    assert small[0] == large[0] == 1
    assert (small[1], large[1]) == (3, 23)


# Evaluations --------------------------------------------------------------------------------------------------------

def test_the_participant_evaluates_once_after_the_last_session(delivery, participant, headteacher):
    pat = delivery.place
    last = delivery.sessions[-1].date
    with pytest.raises(DomainError, match="after"):
        evaluations.submit_evaluation(actor=participant, place=pat, practice_change="x", impact=5, today=last)
    with pytest.raises(NotAllowed):
        evaluations.submit_evaluation(actor=headteacher, place=pat, practice_change="x", impact=5)
    with pytest.raises(DomainError, match="1 to 10"):
        evaluations.submit_evaluation(actor=participant, place=pat, practice_change="x", impact=11)
    evaluations.submit_evaluation(actor=participant, place=pat, practice_change="Better questioning", impact=8)
    with pytest.raises(DomainError, match="already"):
        evaluations.submit_evaluation(actor=participant, place=pat, practice_change="again", impact=3)


def test_the_school_impact_is_due_a_term_after_the_cohort_ends(partnership):
    # Without a term calendar: the usual term dates. A cohort ending in the summer term is asked about at the end
    # of the autumn term.
    due = evaluations.impact_due_on(partnership, date(2027, 7, 1))
    assert date(2027, 12, 1) <= due <= date(2027, 12, 31)
    CalendarPeriodFactory(partnership=partnership, academic_year="2026-27", kind="term", term="autumn",
                          name="Autumn", start=date(2026, 9, 2), end=date(2026, 12, 18))
    CalendarPeriodFactory(partnership=partnership, academic_year="2026-27", kind="term", term="spring",
                          name="Spring", start=date(2027, 1, 5), end=date(2027, 3, 26))
    assert evaluations.impact_due_on(partnership, date(2026, 11, 20)) == date(2027, 3, 26)


def test_the_head_answers_the_impact_on_the_school_once(delivery, headteacher, partnership):
    assert evaluations.schedule_school_impact(delivery.cohort) == 3
    evaluations.schedule_school_impact(delivery.cohort)
    assert SchoolImpact.objects.count() == 3
    row = SchoolImpact.objects.get(place=delivery.place)
    with pytest.raises(DomainError, match="from"):
        evaluations.answer_school_impact(actor=headteacher, impact=row, text="x", score=5, today=row.due_on - timedelta(1))
    other_head = make_member(partnership, "headteacher")
    with pytest.raises(NotAllowed):
        evaluations.answer_school_impact(actor=other_head, impact=row, text="x", score=5, today=row.due_on)
    evaluations.answer_school_impact(actor=headteacher, impact=row, text="Moderation is shared", score=6,
                                     today=row.due_on)
    row.refresh_from_db()
    assert (row.impact, row.answered_by) == (6, headteacher.user)
    stale = SchoolImpact.objects.get(pk=row.pk)
    stale.answered_at = None
    with pytest.raises(Conflict):
        evaluations.answer_school_impact(actor=headteacher, impact=stale, text="again", score=2, today=row.due_on)


# Certificates -------------------------------------------------------------------------------------------------------

def test_a_certificate_opens_for_the_participant_their_head_and_the_steering_group_only(
        delivery, participant, headteacher, broker, approver, admin, system_leader, la_officer, partnership, personas):
    pat = delivery.place
    assert certificates.certificate_for(pat.pk, participant) is None  # not completed yet
    Place.objects.filter(pk=pat.pk).update(completed_at=pat.created_at)
    for member in (participant, headteacher, broker, approver, admin):
        found = certificates.certificate_for(pat.pk, member)
        assert found is not None and found.programme == delivery.programme.title
        assert (found.sessions, found.first_session, found.last_session) == (5, delivery.sessions[0].date,
                                                                              delivery.sessions[-1].date)
    other_head = make_member(partnership, "headteacher")
    someone = make_member(partnership, "participant")
    for member in (system_leader, la_officer, other_head, someone):
        assert certificates.certificate_for(pat.pk, member) is None
    dl_evaluation(delivery.places[1])
    assert Session.objects.filter(cohort=delivery.cohort).count() == 5
