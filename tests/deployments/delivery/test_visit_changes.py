"""Visits as people really log them: on school days inside the deployment's dates (or overridden with a reason),
corrected or deleted by their leader until the school answers, voided when the deployment stops early, and never
answered once it has closed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from deployments import processes
from deployments.delivery import selectors, visit_rules, visits
from deployments.models import Deployment, DeploymentStatus, Visit, VisitStatus
from portal.audit.models import AuditEvent
from portal.calendar.schooldays import Period, SchoolCalendar
from portal.errors import DomainError, NotAllowed
from tests.deployments.conftest import active, count_queries, email_rows, held_days, school_day
from tests.pages import done


def _last(weekday: int) -> date:
    day = timezone.localdate()
    while day.weekday() != weekday:
        day -= timedelta(days=1)
    return day


def _started(b, *, days_ago: int = 20, **changes) -> Deployment:
    """Under way since `days_ago` days ago (so last Saturday and a few school days fall inside it)."""
    deployment = active(b)
    with scopes_disabled():
        Deployment.objects.filter(pk=deployment.pk).update(
            start_date=timezone.localdate() - timedelta(days=days_ago), **changes)
        return Deployment.objects.get(pk=deployment.pk)


def _log(b, deployment, day, **extra) -> Visit:
    return visits.log_visit(actor=b.leader_member, deployment=Deployment.objects.get(pk=deployment.pk), visit_date=day,
                            days=extra.pop("days", Decimal(1)), focus=extra.pop("focus", "Maths"), **extra)


def test_a_day_that_is_not_a_school_day_says_why():
    autumn = Period("2026-27", "term", "autumn", "Autumn term", date(2026, 9, 3), date(2026, 12, 18))
    half_term = Period("2026-27", "half_term", "autumn", "Half term", date(2026, 10, 26), date(2026, 10, 30))
    calendar = SchoolCalendar([autumn, half_term])
    assert visit_rules.why_not_a_school_day(date(2026, 10, 24), calendar) == "a Saturday"
    assert visit_rules.why_not_a_school_day(date(2026, 12, 25), calendar) == "a bank holiday"
    assert visit_rules.why_not_a_school_day(date(2026, 10, 27), calendar) == "in the school holidays"
    assert visit_rules.why_not_a_school_day(date(2026, 12, 21), calendar) == "in the school holidays"
    assert visit_rules.why_not_a_school_day(date(2026, 10, 21), calendar) == ""


def test_a_visit_on_a_saturday_is_refused_unless_overridden_with_a_reason(brokerage):
    b = brokerage
    deployment = _started(b)
    saturday = _last(5)
    with scope(partnership=b.partnership):
        with pytest.raises(DomainError, match=r"is not a school day \(a Saturday\)"):
            _log(b, deployment, saturday)
        visit = _log(b, deployment, saturday, override_reason="Saturday maths conference for parents")
        assert visit.override_reason == "Saturday maths conference for parents"
        event = AuditEvent.objects.get(action="visit.logged", object_id=str(visit.pk))
        assert event.note == "Saturday maths conference for parents"
    [row] = email_rows("visit.logged")
    assert row.context["note"] == "Saturday maths conference for parents"


def test_visits_fall_between_the_deployments_start_and_end(brokerage):
    b = brokerage
    deployment = _started(b, days_ago=20, end_date=school_day(2))
    with scope(partnership=b.partnership):
        with pytest.raises(DomainError, match="The deployment starts on"):
            _log(b, deployment, timezone.localdate() - timedelta(days=25), override_reason="x")
        with pytest.raises(DomainError, match="The deployment ends on"):
            _log(b, deployment, school_day(1), override_reason="x")
        assert _log(b, deployment, school_day(2)).status == VisitStatus.LOGGED


def test_log_a_visit_is_offered_only_when_one_can_be_logged_and_says_why_not(brokerage):
    b = brokerage
    deployment = active(b)
    today = timezone.localdate()
    with scope(partnership=b.partnership):
        assert visits.can_log(b.leader_member, deployment)
        later = Deployment(status=DeploymentStatus.ACTIVE, start_date=today + timedelta(days=5),
                           end_date=today + timedelta(days=50), days=Decimal(3))
        assert "starts on" in visit_rules.log_block(deployment=later, today=today)
        Deployment.objects.filter(pk=deployment.pk).update(start_date=today + timedelta(days=5),
                                                           end_date=today + timedelta(days=50))
        with pytest.raises(DomainError, match="starts on"):
            _log(b, deployment, school_day())
        paused = Deployment(status=DeploymentStatus.PAUSED, start_date=today, end_date=today, days=Decimal(3))
        assert "paused" in visit_rules.log_block(deployment=paused, today=today)
        stopped = Deployment(status=DeploymentStatus.STOPPED, start_date=today, end_date=today, days=Decimal(3))
        assert "stopped early" in visit_rules.log_block(deployment=stopped, today=today)
        full = Deployment(status=DeploymentStatus.ACTIVE, start_date=today, end_date=today, days=Decimal(3))
        assert "All 3 agreed days are logged" in visit_rules.log_block(deployment=full, today=today, logged=Decimal(3))


def test_the_leader_corrects_a_visit_until_the_school_answers_and_the_school_is_told(brokerage):
    b = brokerage
    deployment = _started(b)
    with scope(partnership=b.partnership):
        visit = _log(b, deployment, school_day(1))
        with pytest.raises(NotAllowed):
            visits.correct_visit(actor=b.other_leader_member, visit=visit, visit_date=school_day(2), days=Decimal(1),
                                 focus="Maths")
        with pytest.raises(DomainError, match="not a school day"):
            visits.correct_visit(actor=b.leader_member, visit=visit, visit_date=_last(6), days=Decimal(1),
                                 focus="Maths")
        visits.correct_visit(actor=b.leader_member, visit=Visit.objects.get(pk=visit.pk), visit_date=school_day(2),
                             days=Decimal("0.5"), focus="Phonics")
        corrected = Visit.objects.get(pk=visit.pk)
        assert (corrected.visit_date, corrected.days, corrected.focus, corrected.status) == (
            school_day(2), Decimal("0.5"), "Phonics", VisitStatus.LOGGED)
        event = AuditEvent.objects.get(action="visit.corrected", object_id=str(visit.pk))
        assert event.old == {"visit_date": str(school_day(1)), "days": "1.0", "focus": "Maths"}
        visits.answer_visit(actor=b.head, visit=corrected, confirm=True)
        with pytest.raises(DomainError, match="already answered"):
            visits.correct_visit(actor=b.leader_member, visit=Visit.objects.get(pk=visit.pk), visit_date=school_day(3),
                                 days=Decimal(1), focus="Maths")
    [told] = email_rows("visit.changed")
    assert told.recipient_id == b.head.user_id and "corrected" in told.title


def test_the_leader_deletes_a_visit_it_stops_counting_and_its_day_is_free_again(brokerage):
    b = brokerage
    deployment = _started(b)
    with scope(partnership=b.partnership):
        visit = _log(b, deployment, school_day(1), days=Decimal(1))
        visits.delete_visit(actor=b.leader_member, visit=visit, reason="Logged on the wrong deployment")
        assert Visit.objects.get(pk=visit.pk).status == VisitStatus.DELETED
        assert AuditEvent.objects.get(action="visit.deleted", object_id=str(visit.pk)).note == \
            "Logged on the wrong deployment"
        again = _log(b, deployment, school_day(1), days=Decimal(1))
        with pytest.raises(DomainError, match="was deleted"):
            visits.delete_visit(actor=b.leader_member, visit=Visit.objects.get(pk=visit.pk))
        visits.answer_visit(actor=b.head, visit=again, confirm=False, reason="Not in school that day")
        with pytest.raises(DomainError, match="already answered"):
            visits.delete_visit(actor=b.leader_member, visit=Visit.objects.get(pk=again.pk))
    [told] = email_rows("visit.changed")
    assert told.recipient_id == b.head.user_id and told.context["note"] == "Logged on the wrong deployment"


def test_stopping_voids_unanswered_visits_and_the_ledger_keeps_only_confirmed_days(brokerage):
    b = brokerage
    deployment = _started(b)
    with scope(partnership=b.partnership):
        confirmed = _log(b, deployment, school_day(2))
        visits.answer_visit(actor=b.head, visit=confirmed, confirm=True)
        waiting = _log(b, deployment, school_day(1), days=Decimal("0.5"))
        processes.stop_deployment(actor=b.broker, deployment=Deployment.objects.get(pk=deployment.pk),
                                  reason="The head has left")
        assert Visit.objects.get(pk=waiting.pk).status == VisitStatus.VOIDED
        assert AuditEvent.objects.filter(action="visit.voided", object_id=str(waiting.pk)).count() == 1
        # The school can no longer confirm it, and the ledger holds only the confirmed day.
        with pytest.raises(DomainError, match="cannot become|stopped early"):
            visits.answer_visit(actor=b.head, visit=Visit.objects.get(pk=waiting.pk), confirm=True)
    assert held_days(b.leader) == Decimal(1)
    told = {n.recipient_id for n in email_rows("visit.changed")}
    assert told == {b.head.user_id, b.leader.user_id}


def test_a_school_cannot_confirm_or_a_broker_settle_a_visit_on_a_closed_deployment(brokerage):
    b = brokerage
    deployment = _started(b)
    with scope(partnership=b.partnership):
        first = _log(b, deployment, school_day(1))
        second = _log(b, deployment, school_day(2))
        visits.answer_visit(actor=b.head, visit=second, confirm=False, reason="Not in school")
        # A row left waiting by data from before this rule (the stop now voids them).
        Deployment.objects.filter(pk=deployment.pk).update(status=DeploymentStatus.STOPPED)
        closed = Visit.objects.select_related("deployment").get(pk=first.pk)
        assert not visits.can_answer(b.head, closed, deployment=closed.deployment, is_head=True)
        with pytest.raises(DomainError, match="stopped early, so its visits can no longer be confirmed"):
            visits.answer_visit(actor=b.head, visit=closed, confirm=True)
        with pytest.raises(DomainError, match="can no longer change"):
            visits.resolve_dispute(actor=b.broker, visit=Visit.objects.get(pk=second.pk), uphold=True, note="Checked")
        assert not visits.can_resolve(b.broker, Visit.objects.get(pk=second.pk))
        assert second.pk not in {v.pk for v in selectors.disputed_visits(membership=b.broker)}  # not in the work queue
        assert Visit.objects.get(pk=first.pk).status == VisitStatus.LOGGED


def test_stopping_is_refused_while_a_dispute_waits_for_the_broker(brokerage):
    b = brokerage
    deployment = _started(b)
    with scope(partnership=b.partnership):
        visit = _log(b, deployment, school_day(1))
        visits.answer_visit(actor=b.head, visit=visit, confirm=False, reason="Only a morning")
        with pytest.raises(DomainError, match="1 disputed visit waits for the broker"):
            processes.stop_deployment(actor=b.broker, deployment=Deployment.objects.get(pk=deployment.pk),
                                      reason="Ending")
        assert Deployment.objects.get(pk=deployment.pk).status == DeploymentStatus.ACTIVE


def test_the_leader_corrects_and_deletes_a_visit_through_the_pages_with_fixed_queries(client, brokerage):
    b = brokerage
    deployment = _started(b)
    base = f"/p/{b.partnership.slug}"
    page = f"{base}/deployments/{deployment.pk}/"
    with scope(partnership=b.partnership):
        visit = _log(b, deployment, school_day(1))
    client.force_login(b.leader_member.user)
    shown = client.get(page).content.decode()
    assert f"/visits/{visit.pk}/edit/" in shown and f"/visits/{visit.pk}/delete/" in shown
    saturday = {"visit_date": _last(5).strftime("%d/%m/%Y"), "days": "1.0", "focus": "Phonics"}
    refused = client.post(f"{base}/visits/{visit.pk}/edit/", saturday)
    assert refused.status_code == 200 and "is not a school day (a Saturday)" in refused.content.decode()
    no_reason = client.post(f"{base}/visits/{visit.pk}/edit/", {**saturday, "not_school_day": "on"})
    assert "Say why the visit counts on a day that is not a school day" in no_reason.content.decode()
    corrected = client.post(f"{base}/visits/{visit.pk}/edit/", {**saturday, "not_school_day": "on",
                                                                "override_reason": "Parents' maths morning"}, follow=True)
    done(corrected, page, "Visit corrected.")
    assert "Visit corrected by the system leader" in corrected.content.decode()  # on the timeline
    with scopes_disabled():
        assert Visit.objects.get(pk=visit.pk).override_reason == "Parents' maths morning"
    edit_queries = count_queries(client, f"{base}/visits/{visit.pk}/edit/", b.leader_member.user)
    delete_queries = count_queries(client, f"{base}/visits/{visit.pk}/delete/", b.leader_member.user)
    page_queries = count_queries(client, page, b.leader_member.user)
    with scope(partnership=b.partnership):
        _log(b, deployment, school_day(2), days=Decimal("0.5"))
    assert count_queries(client, f"{base}/visits/{visit.pk}/edit/", b.leader_member.user) == edit_queries
    assert count_queries(client, f"{base}/visits/{visit.pk}/delete/", b.leader_member.user) == delete_queries
    assert count_queries(client, page, b.leader_member.user) == page_queries
    # Someone else, or a visit the school has answered, cannot be changed: back to the deployment.
    client.force_login(b.head.user)
    assert client.get(f"{base}/visits/{visit.pk}/edit/").status_code in (403, 404)
    client.force_login(b.leader_member.user)
    deleted = client.post(f"{base}/visits/{visit.pk}/delete/", {"note": "Logged twice"}, follow=True)
    done(deleted, page, "is deleted. It no longer counts.")
    with scopes_disabled():
        assert Visit.objects.get(pk=visit.pk).status == VisitStatus.DELETED
    assert client.get(f"{base}/visits/{visit.pk}/edit/").status_code == 302


def test_the_deployment_page_says_why_a_visit_cannot_be_logged(client, brokerage):
    b = brokerage
    deployment = active(b)
    with scopes_disabled():
        Deployment.objects.filter(pk=deployment.pk).update(start_date=timezone.localdate() + timedelta(days=5),
                                                           end_date=timezone.localdate() + timedelta(days=50))
    client.force_login(b.leader_member.user)
    page = client.get(f"/p/{b.partnership.slug}/deployments/{deployment.pk}/").content.decode()
    assert "Log a visit</a>" not in page and "Log each visit after it happens" in page
    refused = client.get(f"/p/{b.partnership.slug}/deployments/{deployment.pk}/visits/new/", follow=True)
    assert "The deployment starts on" in refused.content.decode()
    # Nor does the leader's home page offer it among the visits still to log.
    assert f"/deployments/{deployment.pk}/visits/new/" not in client.get(f"/p/{b.partnership.slug}/").content.decode()
