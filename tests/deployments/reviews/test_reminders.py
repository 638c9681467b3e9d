"""Termly reviews, final evaluations and the daily reminder run."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from hypothesis import given, settings
from hypothesis import strategies as st

from deployments import processes
from deployments.models import Deployment, Review, ReviewKind, ReviewStatus
from deployments.reviews import reminders, schedule
from deployments.reviews import services as reviews
from deployments.workflow import TransitionNotAllowed
from portal.audit.models import AuditEvent
from portal.calendar.models import CalendarPeriod
from portal.calendar.schooldays import Period, SchoolCalendar, today_in_london
from portal.calendar.services import school_calendar
from portal.errors import DomainError, NotAllowed
from portal.notifications.models import Channel, Notification
from tests.deployments.brokerage.test_offers import _active

LONDON = ZoneInfo("Europe/London")
AUTUMN = Period("2026-27", "term", "autumn", "Autumn term", date(2026, 9, 3), date(2026, 12, 18))
HALF = Period("2026-27", "half_term", "autumn", "Autumn half term", date(2026, 10, 26), date(2026, 10, 30))
SPRING = Period("2026-27", "term", "spring", "Spring term", date(2027, 1, 5), date(2027, 3, 26))
SUMMER = Period("2026-27", "term", "summer", "Summer term", date(2027, 4, 12), date(2027, 7, 21))


def _calendar(partnership):
    with scopes_disabled():
        for p in (AUTUMN, HALF, SPRING, SUMMER):
            CalendarPeriod.objects.create(partnership=partnership, academic_year=p.academic_year, kind=p.kind,
                                          term=p.term, name=p.name, start=p.start, end=p.end)


def _reminders(kind=None):
    with scopes_disabled():
        rows = Notification.objects.filter(channel=Channel.EMAIL)
        if kind:
            rows = rows.filter(event_type=kind)
        return list(rows.order_by("pk").values_list("event_type", "recipient_id", "dedupe_key"))


def test_reviews_are_created_for_each_term_due_school_days_before_it_ends(brokerage):
    b = brokerage
    _calendar(b.partnership)
    deployment = Deployment(partnership=b.partnership, start_date=date(2026, 11, 2), end_date=date(2027, 2, 12))
    days = SchoolCalendar([AUTUMN, HALF, SPRING, SUMMER])
    planned = schedule.planned_reviews(deployment, days, 10)
    assert [(r.term_key, r.due_on) for r in planned] == [
        ("2026-27 autumn", date(2026, 12, 4)),  # ten school days before Friday 18 December
        ("2026-27 spring", date(2027, 3, 11)),  # Friday 26 March 2027 is Good Friday: term's last day is the 25th
    ]
    # A year without a calendar falls back to the usual terms and still avoids weekends and bank holidays.
    later = Deployment(partnership=b.partnership, start_date=date(2027, 9, 6), end_date=date(2027, 10, 1))
    [autumn] = schedule.planned_reviews(later, days, 10)
    # The usual autumn term runs to 31 December; 27 and 28 December 2027 are bank holidays.
    assert autumn.term_key == "2027-28 autumn" and autumn.due_on == date(2027, 12, 15)


def test_starting_the_work_creates_the_reviews_once(brokerage):
    b = brokerage
    deployment = _active(b)
    with scopes_disabled():
        created = list(Review.objects.filter(deployment=deployment).values_list("kind", "status"))
    assert created and all(kind == ReviewKind.TERMLY and status == ReviewStatus.DUE for kind, status in created)
    with scope(partnership=b.partnership):
        assert schedule.ensure_reviews([deployment], partnership=b.partnership) == 0
    with scopes_disabled():
        assert Review.objects.filter(deployment=deployment).count() == len(created)


def _write(b, review, *, submit=True, **overrides):
    from deployments.models import Objective

    with scopes_disabled():
        objectives = list(Objective.objects.filter(deployment_id=review.deployment_id))
    values = {"progress": {o.pk: ("amber", "Lesson visits show <b>better</b> questioning", "partly") for o in objectives},
              "overall_progress": "Planning is consistent; outcomes not yet.", "impact_score": 6,
              "outcomes": ["teaching_quality", "planning"], "next_steps": "Moderate Year 6 books.", **overrides}
    with scope(partnership=b.partnership):
        return reviews.write_review(actor=b.leader_member, review=Review.objects.get(pk=review.pk), submit=submit, **values)


def test_the_leader_writes_and_the_head_agrees_then_it_is_final(brokerage):
    b = brokerage
    deployment = _active(b)
    with scopes_disabled():
        review = Review.objects.filter(deployment=deployment).first()
    with scope(partnership=b.partnership):
        with pytest.raises(NotAllowed):
            reviews.write_review(actor=b.other_leader_member, review=review, progress={}, overall_progress="",
                                 impact_score=None, outcomes=[], next_steps="", submit=False)
    _write(b, review, submit=False, impact_score=None, next_steps="")  # a draft may be incomplete
    with pytest.raises(DomainError, match="Complete every objective"):
        _write(b, review, impact_score=None)
    with pytest.raises(DomainError, match="from the checklist"):
        _write(b, review, outcomes=["made_up"])
    _write(b, review)
    with scope(partnership=b.partnership):
        review = Review.objects.get(pk=review.pk)
        assert review.status == ReviewStatus.SUBMITTED
        with pytest.raises(TransitionNotAllowed):
            _write(b, review)
        with pytest.raises(DomainError, match="Say what should change"):
            reviews.answer_review(actor=b.head, review=review, agree=False)
        reviews.answer_review(actor=b.head, review=review, agree=False, comments="Add the Year 5 evidence.")
        review = Review.objects.get(pk=review.pk)
        assert review.status == ReviewStatus.DUE and review.head_comments == "Add the Year 5 evidence."
    _write(b, review)
    with scope(partnership=b.partnership):
        review = Review.objects.get(pk=review.pk)
        with pytest.raises(NotAllowed):
            reviews.answer_review(actor=b.broker, review=review, agree=True)
        reviews.answer_review(actor=b.head, review=review, agree=True, comments="Agreed.")
        review = Review.objects.get(pk=review.pk)
        assert review.status == ReviewStatus.AGREED and review.agreed_by == b.head.user
        with pytest.raises(TransitionNotAllowed):
            _write(b, review)
        actions = list(AuditEvent.objects.filter(object_type__model="review", object_id=str(review.pk))
                       .order_by("pk").values_list("action", flat=True))
    assert actions == ["review.submitted", "review.returned", "review.submitted", "review.agreed"]
    assert {row[1] for row in _reminders("review.submitted")} == {b.head.user_id}
    assert {row[1] for row in _reminders("review.answered")} == {b.leader.user_id, b.broker.user_id}


def test_completion_adds_a_final_evaluation_that_both_sides_score(brokerage):
    b = brokerage
    deployment = _active(b)
    with scope(partnership=b.partnership):
        processes.complete_deployment(actor=b.broker, deployment=deployment, summary="Done well.")
        final = Review.objects.get(deployment=deployment, kind=ReviewKind.FINAL)
    with pytest.raises(DomainError, match="Complete every objective"):
        _write(b, final, progress={o: ("green", "Evidence", "") for o in _objective_ids(deployment)})
    _write(b, final, progress={o: ("green", "Evidence", "yes") for o in _objective_ids(deployment)})
    with scope(partnership=b.partnership):
        with pytest.raises(DomainError, match="your own impact score"):
            reviews.answer_review(actor=b.head, review=Review.objects.get(pk=final.pk), agree=True)
        reviews.answer_review(actor=b.head, review=Review.objects.get(pk=final.pk), agree=True, head_impact_score=8)
        final = Review.objects.get(pk=final.pk)
    assert final.head_impact_score == 8 and final.impact_score == 6 and final.status == ReviewStatus.AGREED


def _objective_ids(deployment):
    from deployments.models import Objective

    with scopes_disabled():
        return list(Objective.objects.filter(deployment=deployment).values_list("pk", flat=True))


# The reminder schedule: pure functions, checked over generated calendars.

def test_each_reminder_goes_on_its_day_and_holidays_postpone_it():
    days = SchoolCalendar([AUTUMN, HALF, SPRING, SUMMER])
    due = date(2026, 11, 6)  # a Friday a week after half term
    assert dict(reminders.stage_dates(due, days)) == {
        "in_14": date(2026, 10, 23),  # Friday 23 October, the last day before half term
        "in_7": date(2026, 11, 2),  # 30 October is in half term: postponed to Monday 2 November
        "due": date(2026, 11, 6),
        "overdue": date(2026, 11, 11),  # three school days after the due date
    }
    assert reminders.stage_to_send(due, date(2026, 10, 28), days) is None  # half term: nothing goes
    assert reminders.stage_to_send(due, date(2026, 11, 2), days) == "in_7"
    assert reminders.stage_to_send(due, date(2026, 11, 11), days) == "overdue"


@st.composite
def calendars(draw):
    """An academic year with three terms and a half term in each, at plausible but varied dates."""
    year = draw(st.integers(2024, 2031))
    autumn_start = date(year, 9, draw(st.integers(1, 8)))
    autumn_end = date(year, 12, draw(st.integers(15, 22)))
    spring_start = date(year + 1, 1, draw(st.integers(2, 8)))
    spring_end = date(year + 1, 3, draw(st.integers(20, 31)))
    summer_start = date(year + 1, 4, draw(st.integers(8, 25)))
    summer_end = date(year + 1, 7, draw(st.integers(15, 24)))
    label = f"{year}-{str(year + 1)[2:]}"
    periods = []
    for name, start, end in (("autumn", autumn_start, autumn_end), ("spring", spring_start, spring_end),
                             ("summer", summer_start, summer_end)):
        periods.append(Period(label, "term", name, name, start, end))
        half = start + timedelta(days=draw(st.integers(35, 50)))
        periods.append(Period(label, "half_term", name, f"{name} half", half, half + timedelta(days=4)))
    return periods


@settings(max_examples=60, deadline=None)
@given(periods=calendars(), offset=st.integers(0, 300), lead=st.integers(1, 20))
def test_over_any_calendar_no_reminder_is_missed_doubled_or_sent_in_a_holiday(periods, offset, lead):
    days = SchoolCalendar(periods)
    terms = sorted((p for p in periods if p.kind == "term"), key=lambda p: p.start)
    term = days.term_for(terms[0].start + timedelta(days=offset))
    due = days.before_end(term, lead)
    sent: dict[str, date] = {}
    day = due - timedelta(days=40)
    while day <= due + timedelta(days=60):  # the daily run, every day including weekends and holidays
        stage = reminders.stage_to_send(due, day, days)
        if stage is not None and stage not in sent:
            sent[stage] = day
        day += timedelta(days=1)
    assert all(days.is_school_day(when) for when in sent.values())  # none in a holiday or at a weekend
    scheduled = dict(reminders.stage_dates(due, days))
    for stage, when in scheduled.items():  # none missed: each went on its day, or a later one took its place
        later = [s for s in reminders.STAGES[reminders.STAGES.index(stage):] if sent.get(s) == when]
        assert later, (stage, when, sent)
    assert list(sent) == sorted(sent, key=reminders.STAGES.index)  # in order, once each


@settings(max_examples=40, deadline=None)
@given(year=st.sampled_from([2026, 2027, 2028]), runs=st.lists(st.integers(0, 24 * 60 - 1), min_size=1, max_size=6))
def test_the_run_uses_londons_date_across_clock_changes_and_leap_days(year, runs):
    """Runs at any wall-clock minute on the days the clocks change (and on 29 February) count as that London
    day, whatever the UTC date is, so two runs in one school day never send two different reminders."""
    spring = max(date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6)
    autumn = max(date(year, 10, d) for d in range(25, 32) if date(year, 10, d).weekday() == 6)
    specials = [spring, autumn, spring + timedelta(days=1), autumn - timedelta(days=1)]
    if year % 4 == 0:
        specials.append(date(year, 2, 29))
    days = SchoolCalendar([])
    for special in specials:
        stages = set()
        for minute in runs:
            wall = datetime.combine(special, time()) + timedelta(minutes=minute)
            instant = wall.replace(tzinfo=LONDON).astimezone(ZoneInfo("UTC"))
            today = today_in_london(instant)
            assert today == special, (wall, instant, today)
            stages.add(reminders.stage_to_send(special + timedelta(days=7), today, days))
        assert len(stages) == 1


def test_the_daily_run_reminds_once_escalates_overdue_and_skips_holidays(brokerage):
    b = brokerage
    deployment = _active(b)
    with scopes_disabled():
        review = Review.objects.filter(deployment=deployment).order_by("due_on").first()
    days = school_calendar(partnership=b.partnership)
    schedule = dict(reminders.stage_dates(review.due_on, days))
    reminders.run_reminders(today=schedule["in_7"])
    reminders.run_reminders(today=schedule["in_7"])  # twice: still once
    assert [(kind, who) for kind, who, _ in _reminders("review.reminder")] == [("review.reminder", b.leader.user_id)]
    saturday = schedule["due"] + timedelta(days=(5 - schedule["due"].weekday()) % 7)
    assert reminders.run_reminders(today=saturday).skipped_not_school_day == [b.partnership.slug]
    reminders.run_reminders(today=schedule["overdue"])
    overdue = {who for _, who, _ in _reminders("review.overdue")}
    assert overdue == {b.leader.user_id, b.broker.user_id}
    reminders.run_reminders(today=schedule["overdue"] + timedelta(days=1))
    assert len(_reminders("review.overdue")) == 2


def test_offers_proposals_and_designations_are_reminded_once(brokerage):
    from deployments.brokerage import offers
    from deployments.models import Offer

    b = brokerage
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader])
        Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() + timedelta(days=1))
    with scopes_disabled():
        b.other_leader.review_due = timezone.localdate() + timedelta(days=20)
        b.other_leader.save()
    today = school_calendar(partnership=b.partnership).next_school_day(timezone.localdate())
    for _ in range(2):
        reminders.run_reminders(today=today)
    assert [who for _, who, _ in _reminders("offer.reminder")] == [b.leader.user_id]
    assert [who for _, who, _ in _reminders("leader.designation_due")] == [b.broker.user_id]


def test_a_run_uses_queries_by_batch_not_by_row(brokerage):
    from tests.deployments.brokerage.test_pages import _deployment
    from tests.deployments.conftest import triaged_request

    b = brokerage
    with scopes_disabled():
        from alliances.models import SystemLeader

        SystemLeader.objects.filter(pk=b.leader.pk).update(capacity_days_per_term=Decimal(900))
    first = _deployment(b, b.request)

    def count(today):
        with CaptureQueriesContext(connection) as ctx:
            reminders.run_reminders(today=today, batch=1000)
        return len(ctx.captured_queries)

    with scopes_disabled():
        due = Review.objects.filter(deployment=first).order_by("due_on").first().due_on
    in_7 = dict(reminders.stage_dates(due, school_calendar(partnership=b.partnership)))["in_7"]
    few = count(in_7)
    for _ in range(8):
        _deployment(b, triaged_request(b.head, b.broker, b.spec, start=timezone.localdate()))
    with scopes_disabled():
        Notification.objects.filter(event_type="review.reminder").delete()
    many = count(in_7)
    assert few == many, (few, many)
    with scopes_disabled():
        assert Notification.objects.filter(event_type="review.reminder", channel=Channel.EMAIL).count() == 9


def test_review_pages_work_through_the_forms_with_fixed_queries(client, brokerage):
    from tests.deployments.brokerage.test_pages import _count, _deployment
    from tests.deployments.conftest import triaged_request

    b = brokerage
    with scopes_disabled():
        from alliances.models import SystemLeader

        SystemLeader.objects.filter(pk=b.leader.pk).update(capacity_days_per_term=Decimal(900))
    first = _deployment(b, b.request)
    with scopes_disabled():
        review = Review.objects.filter(deployment=first).order_by("due_on").first()
        objective_ids = _objective_ids(first)
    base = f"/p/{b.partnership.slug}"
    client.force_login(b.leader_member.user)
    draft = client.post(f"{base}/reviews/{review.pk}/write/", {"action": "save", "overall_progress": "Early days"})
    assert draft.status_code == 302
    missing = client.post(f"{base}/reviews/{review.pk}/write/", {"action": "submit", "overall_progress": "Early days"})
    assert missing.status_code == 200 and "Choose an impact score from 1 to 10" in missing.content.decode()
    assert "Early days" in missing.content.decode()  # nothing typed is lost
    form = {"action": "submit", "overall_progress": "Better planning", "impact_score": "7", "next_steps": "Moderate",
            "outcomes_staff": ["teaching_quality"], "outcomes_school": ["exam_results"]}
    for pk in objective_ids:
        form.update({f"rag_{pk}": "green", f"evidence_{pk}": "Lesson visits"})
    assert client.post(f"{base}/reviews/{review.pk}/write/", form).status_code == 302
    client.force_login(b.head.user)
    page = client.get(f"{base}/reviews/{review.pk}/answer/").content.decode()
    assert "Improved quality of teaching and learning" in page and "Green: on track" in page
    assert "Say what should change" in client.post(f"{base}/reviews/{review.pk}/answer/", {"decision": "return"}
                                                   ).content.decode()
    client.post(f"{base}/reviews/{review.pk}/answer/", {"decision": "agree", "comments": ""})
    with scopes_disabled():
        assert Review.objects.get(pk=review.pk).status == ReviewStatus.AGREED
    pages = [(f"{base}/reviews/{review.pk}/", b.head.user), (f"{base}/reviews/{review.pk}/", b.broker.user),
             (f"{base}/deployments/{first.pk}/", b.leader_member.user), (f"{base}/", b.leader_member.user),
             (f"{base}/", b.head.user), (f"{base}/", b.broker.user)]
    small = [_count(client, url, user) for url, user in pages]
    for _ in range(5):
        _deployment(b, triaged_request(b.head, b.broker, b.spec, start=timezone.localdate()))
    with scopes_disabled():
        Review.objects.filter(status=ReviewStatus.DUE).update(due_on=timezone.localdate() - timedelta(days=3))
    large = [_count(client, url, user) for url, user in pages]
    assert small == large, list(zip(pages, small, large, strict=True))


def test_reminders_follow_each_users_email_preferences(brokerage):
    from portal.notifications.models import Delivery
    from portal.notifications.services import set_preferences

    b = brokerage
    deployment = _active(b)
    set_preferences(user=b.leader_member.user, choices={"review.reminder": "digest"})
    with scopes_disabled():
        review = Review.objects.filter(deployment=deployment).order_by("due_on").first()
    days = school_calendar(partnership=b.partnership)
    reminders.run_reminders(today=dict(reminders.stage_dates(review.due_on, days))["in_14"])
    with scopes_disabled():
        rows = list(Notification.objects.filter(event_type="review.reminder").values_list("channel", "delivery"))
    assert sorted(rows) == sorted([(Channel.IN_APP, Delivery.IMMEDIATE), (Channel.EMAIL, Delivery.DIGEST)])
    set_preferences(user=b.leader_member.user, choices={"review.reminder": "off"})
    reminders.run_reminders(today=dict(reminders.stage_dates(review.due_on, days))["due"])
    with scopes_disabled():
        assert not Notification.objects.filter(event_type="review.reminder", channel=Channel.EMAIL,
                                               dedupe_key__contains=":due:").exists()
