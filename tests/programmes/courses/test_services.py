"""Programmes, cohorts, sessions and facilitators through their services: transitions, permissions, the term
calendar, the cohort's dates, and clash flags from both sources (other sessions and deployment visits)."""

from __future__ import annotations

from datetime import date, time

import pytest

from deployments.models import DeploymentStatus
from portal.audit.models import AuditEvent
from portal.errors import Conflict, DomainError, NotAllowed
from portal.workflow import TransitionNotAllowed
from programmes.courses import services
from programmes.models import Cohort, CohortStatus, Programme, ProgrammeStatus, ServiceKind
from tests.factories import DeploymentFactory, ServiceFactory, SystemLeaderFactory, VisitFactory
from tests.factories.courses import CohortFactory, FacilitatorFactory, ProgrammeFactory, SessionFactory

pytestmark = pytest.mark.django_db

TUESDAY = date(2026, 10, 6)
SATURDAY = date(2026, 10, 10)


def _session(**changes):
    return {"title": "Day 1", "date": TUESDAY, "starts_at": time(9, 30), "ends_at": time(15, 30),
            "venue": "Histon", "online_link": "", "non_school_day_reason": "", **changes}


def _values(**changes):
    return {"title": "NPQH", "summary": "Headship.", "aims": "", "outcomes": ["Leads a school"],
            "audiences": ["aspiring_heads"], "phases": [], "delivery_partner": "", "completion_attendance": 80,
            "completion_needs_evaluation": True, **changes}


def test_a_programme_goes_from_draft_to_published_to_archived_with_audit(broker):
    programme = services.create_programme(actor=broker, values=_values())
    assert programme.status == ProgrammeStatus.DRAFT and programme.outcomes == ["Leads a school"]
    services.update_programme(actor=broker, programme=programme, values=_values(title="NPQH 2026"))
    services.publish_programme(actor=broker, programme=programme)
    services.archive_programme(actor=broker, programme=programme)
    assert Programme.objects.get(pk=programme.pk).status == ProgrammeStatus.ARCHIVED
    actions = list(AuditEvent.objects.filter(object_id=str(programme.pk)).values_list("action", flat=True)
                   .order_by("pk"))
    assert actions == ["programme.created", "programme.updated", "programme.published", "programme.archived"]
    with pytest.raises(Conflict):
        services.update_programme(actor=broker, programme=programme, values=_values(title="Again"))


@pytest.mark.parametrize("role", ["headteacher", "system_leader", "approver", "la_officer", "participant"])
def test_only_brokers_and_admins_run_programmes(role, request):
    member = request.getfixturevalue(role)
    with pytest.raises(NotAllowed):
        services.create_programme(actor=member, values=_values())


def test_a_cohort_is_priced_by_a_programme_place_of_its_year_and_opens_only_with_a_session(broker, partnership):
    programme = ProgrammeFactory(partnership=partnership)
    place = ServiceFactory(partnership=partnership, kind=ServiceKind.PROGRAMME_PLACE,
                           catalogue__academic_year="2026-27")
    package = ServiceFactory(partnership=partnership, catalogue=place.catalogue)
    values = {"name": "Autumn", "academic_year": "2026-27", "service": package, "places": 20, "minimum": 8,
              "applications_open": None, "applications_close": None, "offer_days": 5}
    with pytest.raises(DomainError) as error:
        services.create_cohort(actor=broker, programme=programme, values=values)
    assert error.value.field == "service"
    with pytest.raises(DomainError):
        services.create_cohort(actor=broker, programme=programme, values={**values, "service": place,
                                                                           "academic_year": "2027-28"})
    with pytest.raises(DomainError) as error:
        services.create_cohort(actor=broker, programme=programme, values={**values, "service": place, "minimum": 30})
    assert error.value.field == "minimum"
    cohort = services.create_cohort(actor=broker, programme=programme, values={**values, "service": place})
    assert cohort.status == CohortStatus.DRAFT and cohort.service == place
    with pytest.raises(DomainError, match="at least one session"):
        services.open_cohort(actor=broker, cohort=cohort)
    services.add_session(actor=broker, cohort=cohort, values=_session())
    services.open_cohort(actor=broker, cohort=cohort)
    services.complete_cohort(actor=broker, cohort=cohort)
    with pytest.raises(TransitionNotAllowed):
        services.cancel_cohort(actor=broker, cohort=cohort, reason="Too late")


def test_cancelling_needs_a_reason_and_calls_the_places_hook(broker, partnership, monkeypatch):
    cohort = CohortFactory(partnership=partnership)
    called = []
    monkeypatch.setattr(services, "_on_cancel", [])  # only this test's hook; the app's own comes back after
    services.register_cohort_cancelled(lambda **kw: called.append(kw["reason"]))
    with pytest.raises(DomainError):
        services.cancel_cohort(actor=broker, cohort=cohort, reason=" ")
    services.cancel_cohort(actor=broker, cohort=cohort, reason="Too few applicants")
    assert Cohort.objects.get(pk=cohort.pk).status == CohortStatus.CANCELLED
    assert called == ["Too few applicants"]
    with pytest.raises(Conflict):
        services.add_session(actor=broker, cohort=cohort, values=_session())


def test_places_never_go_below_those_taken(broker, partnership):
    cohort = CohortFactory(partnership=partnership, places=10, taken=6)
    with pytest.raises(DomainError) as error:
        services.update_cohort(actor=broker, cohort=cohort, values={"places": 5})
    assert error.value.field == "places"
    assert services.update_cohort(actor=broker, cohort=cohort, values={"places": 6}).places == 6


def test_a_session_on_a_non_school_day_needs_a_reason(broker, partnership):
    cohort = CohortFactory(partnership=partnership)
    with pytest.raises(DomainError, match="Saturday") as error:
        services.add_session(actor=broker, cohort=cohort, values=_session(date=SATURDAY))
    assert error.value.field == "non_school_day_reason"
    session, _ = services.add_session(actor=broker, cohort=cohort,
                                      values=_session(date=SATURDAY, non_school_day_reason="The annual conference"))
    assert session.non_school_day_reason == "The annual conference"
    # A school day keeps no reason.
    moved, _ = services.change_session(actor=broker, session=session,
                                       values=_session(non_school_day_reason="The annual conference"))
    assert moved.non_school_day_reason == ""


def test_a_bank_holiday_and_a_half_term_are_not_school_days(broker, partnership):
    from tests.factories import CalendarPeriodFactory

    CalendarPeriodFactory(partnership=partnership, academic_year="2026-27", kind="term", term="autumn",
                          start=date(2026, 9, 2), end=date(2026, 12, 18), name="Autumn term")
    CalendarPeriodFactory(partnership=partnership, academic_year="2026-27", kind="half_term", term="autumn",
                          start=date(2026, 10, 26), end=date(2026, 10, 30), name="Autumn half term")
    cohort = CohortFactory(partnership=partnership)
    with pytest.raises(DomainError, match="bank holiday"):
        services.add_session(actor=broker, cohort=cohort, values=_session(date=date(2026, 12, 28)))
    with pytest.raises(DomainError, match="not a school day"):
        services.add_session(actor=broker, cohort=cohort, values=_session(date=date(2026, 10, 27)))


def test_a_session_needs_a_venue_or_link_and_to_end_after_it_starts(broker, partnership):
    cohort = CohortFactory(partnership=partnership)
    with pytest.raises(DomainError) as error:
        services.add_session(actor=broker, cohort=cohort, values=_session(venue=""))
    assert error.value.field == "venue"
    with pytest.raises(DomainError) as error:
        services.add_session(actor=broker, cohort=cohort, values=_session(ends_at=time(9, 0)))
    assert error.value.field == "ends_at"
    session, _ = services.add_session(actor=broker, cohort=cohort,
                                      values=_session(venue="", online_link="https://meet.example.org/a"))
    assert session.online_link


def test_the_cohort_s_dates_follow_its_sessions(broker, partnership):
    cohort = CohortFactory(partnership=partnership)
    first, _ = services.add_session(actor=broker, cohort=cohort, values=_session(date=date(2026, 11, 3)))
    second, _ = services.add_session(actor=broker, cohort=cohort, values=_session(date=date(2027, 1, 12)))
    cohort.refresh_from_db()
    assert (cohort.starts_on, cohort.ends_on) == (date(2026, 11, 3), date(2027, 1, 12))
    services.change_session(actor=broker, session=first, values=_session(date=date(2026, 9, 15)))
    cohort.refresh_from_db()
    assert cohort.starts_on == date(2026, 9, 15)
    services.remove_session(actor=broker, session=second)
    cohort.refresh_from_db()
    assert (cohort.starts_on, cohort.ends_on) == (date(2026, 9, 15), date(2026, 9, 15))
    services.remove_session(actor=broker, session=first)
    cohort.refresh_from_db()
    assert (cohort.starts_on, cohort.ends_on) == (None, None)


def test_facilitators_are_system_leaders_of_the_partnership_or_named_outside_people(broker, partnership,
                                                                                    other_partnership):
    cohort = CohortFactory(partnership=partnership)
    leader = SystemLeaderFactory(partnership=partnership, name="Ruth Ward")
    added = services.add_facilitator(actor=broker, cohort=cohort, leader=leader)
    assert added.name == "Ruth Ward"
    with pytest.raises(DomainError, match="already"):
        services.add_facilitator(actor=broker, cohort=cohort, leader=leader)
    with pytest.raises(DomainError):
        services.add_facilitator(actor=broker, cohort=cohort, leader=SystemLeaderFactory(partnership=other_partnership))
    with pytest.raises(DomainError):
        services.add_facilitator(actor=broker, cohort=cohort, name=" ")
    outside = services.add_facilitator(actor=broker, cohort=cohort, name="Dr Ama Osei", email="ama@uni.example.org",
                                       organisation="University of Cambridge")
    assert outside.leader_id is None
    services.remove_facilitator(actor=broker, facilitator=outside)


def test_a_session_overlapping_the_leader_s_other_session_is_flagged_but_saved(broker, partnership):
    leader = SystemLeaderFactory(partnership=partnership, name="Ruth Ward")
    elsewhere = CohortFactory(partnership=partnership, name="Pastoral cohort")
    FacilitatorFactory(cohort=elsewhere, leader=leader)
    SessionFactory(cohort=elsewhere, title="Pastoral day", date=TUESDAY, starts_at=time(13, 0), ends_at=time(16, 0))
    # Not overlapping: the same leader the day after, and the morning before 13:00.
    SessionFactory(cohort=elsewhere, date=date(2026, 10, 7))
    cohort = CohortFactory(partnership=partnership)
    FacilitatorFactory(cohort=cohort, leader=leader)
    FacilitatorFactory(cohort=cohort, name="Dana Outside")
    morning, clashes = services.add_session(actor=broker, cohort=cohort,
                                            values=_session(starts_at=time(9, 0), ends_at=time(13, 0)))
    assert clashes == []
    day, clashes = services.add_session(actor=broker, cohort=cohort, values=_session(title="Day 2"))
    assert [(c.leader_name, c.session_id) for c in clashes] == [("Ruth Ward", day.pk)]
    assert "Pastoral day (Pastoral cohort)" in clashes[0].description
    # A cancelled cohort's sessions clash with nothing.
    Cohort.objects.filter(pk=elsewhere.pk).update(status=CohortStatus.CANCELLED)
    assert services.session_clashes(day) == []


def test_a_deployment_visit_that_day_is_flagged(broker, partnership):
    leader = SystemLeaderFactory(partnership=partnership, name="Ruth Ward")
    deployment = DeploymentFactory(partnership=partnership, leader=leader, status=DeploymentStatus.ACTIVE,
                                   request__school__name="Cottenham Primary School")
    VisitFactory(deployment=deployment, visit_date=TUESDAY)
    cohort = CohortFactory(partnership=partnership)
    FacilitatorFactory(cohort=cohort, leader=leader)
    session, clashes = services.add_session(actor=broker, cohort=cohort, values=_session())
    assert [c.description for c in clashes] == [f"a deployment visit to {deployment.school.name}"]
    later, clashes = services.add_session(actor=broker, cohort=cohort, values=_session(date=date(2026, 10, 8)))
    assert clashes == []
