"""The daily reminder run: each reminder on its school day, once, in London's date, as each person prefers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from hypothesis import given, settings
from hypothesis import strategies as st

from deployments.models import Review
from deployments.reviews import reminders
from portal.calendar.schooldays import Period, SchoolCalendar, today_in_london
from portal.calendar.services import school_calendar
from portal.notifications.models import Channel, Notification
from tests.deployments.conftest import active, deployment_for, triaged_request
from tests.deployments.reviews.conftest import AUTUMN, HALF, LONDON, SPRING, SUMMER, reminder_rows


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
    deployment = active(b)
    with scopes_disabled():
        review = Review.objects.filter(deployment=deployment).order_by("due_on").first()
    days = school_calendar(partnership=b.partnership)
    schedule = dict(reminders.stage_dates(review.due_on, days))
    reminders.run_reminders(today=schedule["in_7"])
    reminders.run_reminders(today=schedule["in_7"])  # twice: still once
    assert [(kind, who) for kind, who, _ in reminder_rows("review.reminder")] == [("review.reminder", b.leader.user_id)]
    saturday = schedule["due"] + timedelta(days=(5 - schedule["due"].weekday()) % 7)
    assert reminders.run_reminders(today=saturday).skipped_not_school_day == [b.partnership.slug]
    reminders.run_reminders(today=schedule["overdue"])
    overdue = {who for _, who, _ in reminder_rows("review.overdue")}
    assert overdue == {b.leader.user_id, b.broker.user_id}
    reminders.run_reminders(today=schedule["overdue"] + timedelta(days=1))
    assert len(reminder_rows("review.overdue")) == 2


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
    assert [who for _, who, _ in reminder_rows("offer.reminder")] == [b.leader.user_id]
    assert [who for _, who, _ in reminder_rows("leader.designation_due")] == [b.broker.user_id]


def test_a_run_uses_queries_by_batch_not_by_row(brokerage):
    from alliances.models import SystemLeader

    b = brokerage
    with scopes_disabled():
        SystemLeader.objects.filter(pk=b.leader.pk).update(capacity_days_per_term=Decimal(900))
    first = deployment_for(b, b.request)

    def count(today):
        with CaptureQueriesContext(connection) as ctx:
            reminders.run_reminders(today=today, batch=1000)
        return len(ctx.captured_queries)

    with scopes_disabled():
        due = Review.objects.filter(deployment=first).order_by("due_on").first().due_on
    in_7 = dict(reminders.stage_dates(due, school_calendar(partnership=b.partnership)))["in_7"]
    few = count(in_7)
    with scopes_disabled():
        # The first run did remind (one review, one email), so the two counts compare runs that both send.
        assert Notification.objects.filter(event_type="review.reminder", channel=Channel.EMAIL).count() == 1
    for _ in range(8):
        deployment_for(b, triaged_request(b.head, b.broker, b.spec, start=timezone.localdate()))
    with scopes_disabled():
        Notification.objects.filter(event_type="review.reminder").delete()
    many = count(in_7)
    assert few == many, (few, many)
    with scopes_disabled():
        assert Notification.objects.filter(event_type="review.reminder", channel=Channel.EMAIL).count() == 9


def test_reminders_follow_each_users_email_preferences(brokerage):
    from portal.notifications.models import Delivery
    from portal.notifications.services import set_preferences

    b = brokerage
    deployment = active(b)
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
        due = Notification.objects.filter(event_type="review.reminder", dedupe_key__contains=":due:")
        # The run did remind on the due day (in the portal), and with email off wrote no email row.
        assert list(due.values_list("channel", "recipient_id")) == [(Channel.IN_APP, b.leader.user_id)]
        assert not due.filter(channel=Channel.EMAIL).exists()
