"""The daily reminder run: each reminder on its school day, once, in London's date, as each person prefers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
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


def test_offers_are_reminded_once_and_designations_are_left_to_leadership(brokerage):
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
    # A designation due for review is reminded by leadership.quality.reminders only (60 days before and once
    # overdue, to the steering group and the leader): brokers used to hear of it twice.
    assert reminder_rows("leader.designation_due") == []


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


# Stages a holiday merges (issue 18): the real England 2020-21 dates --------------------------------------

REAL_CALENDAR = django_settings.SHARED_DATA_DIR / "calendar" / "term_dates_cambridgeshire_suffolk.csv"


def _cambridgeshire_2020_21() -> SchoolCalendar:
    from portal.calendar.services import parse_calendar_csv

    years = parse_calendar_csv(REAL_CALENDAR.read_bytes(), la_code="873")
    return SchoolCalendar(years["2020-21"].periods)


def test_a_two_week_reminder_the_christmas_holiday_moves_goes_with_the_one_week_reminder():
    days = _cambridgeshire_2020_21()
    due = days.add(date(2020, 12, 14), 10)  # completed on Monday 14 December 2020
    assert due == date(2021, 1, 11)
    assert dict(reminders.stage_dates(due, days))["in_14"] == dict(reminders.stage_dates(due, days))["in_7"] \
        == date(2021, 1, 4)
    assert reminders.stages_to_send(due, date(2021, 1, 4), days) == ["in_14", "in_7"]
    message = reminders.reminder_message(what="final evaluation", school="Histon", reference="D-1", due_on=due,
                                         today=date(2021, 1, 4), stages=["in_14", "in_7"])
    assert message["subject"] == "The final evaluation of D-1 (Histon) is due in a week"
    assert "two-week reminder (28 December 2020)" in message["lines"][1]


def test_a_one_week_reminder_half_term_moves_onto_the_due_day_is_named_and_not_worded_a_week_ahead():
    days = _cambridgeshire_2020_21()
    spring = days.term_for(date(2021, 1, 4))
    due = days.before_end(spring, 24)
    assert due == date(2021, 2, 22)
    assert reminders.stages_to_send(due, date(2021, 2, 22), days) == ["in_7", "due"]
    message = reminders.reminder_message(what="termly review", school="Histon", reference="D-1", due_on=due,
                                         today=date(2021, 2, 22), stages=["in_7", "due"])
    assert message["subject"].endswith("is due today") and "a week" not in message["subject"]
    assert "one-week reminder (15 February 2021)" in message["lines"][1]


def test_a_reminder_sent_late_says_how_long_is_really_left():
    assert reminders.when_due(date(2021, 1, 11), date(2021, 1, 10)) == "tomorrow"
    assert reminders.when_due(date(2021, 1, 11), date(2021, 1, 6)) == "in 5 days"
    assert reminders.when_due(date(2021, 1, 11), date(2020, 12, 28)) == "in two weeks"


@settings(max_examples=60, deadline=None)
@given(periods=calendars(), offset=st.integers(0, 300), lead=st.integers(1, 30))
def test_with_a_run_every_day_no_stage_is_ever_dropped(periods, offset, lead):
    """Each stage goes on some school day, alone or named with the stages a holiday moved onto its day."""
    days = SchoolCalendar(periods)
    terms = sorted((p for p in periods if p.kind == "term"), key=lambda p: p.start)
    due = days.before_end(days.term_for(terms[0].start + timedelta(days=offset)), lead)
    sent: list[str] = []
    day = due - timedelta(days=40)
    while day <= due + timedelta(days=60):
        for stage in reminders.stages_to_send(due, day, days):
            if stage not in sent:
                sent.append(stage)
        day += timedelta(days=1)
    assert sent == list(reminders.STAGES)


def _stage(key: str, review) -> str:
    """The stage an outbox row's dedupe key names for `review`."""
    return key.split(f"review:{review.pk}:")[1].split(":")[0]


def _brokerage_on_cambridgeshire_2020_21(b):
    from portal.calendar import services as calendar_services

    with scope(partnership=b.partnership):
        calendar_services.import_calendar(actor=b.broker, content=REAL_CALENDAR.read_bytes(), la_code="873")


def test_the_run_sends_one_message_for_both_stages_once_through_the_outbox(brokerage):
    from deployments.reviews import schedule

    b = brokerage
    deployment = active(b)
    _brokerage_on_cambridgeshire_2020_21(b)
    with scope(partnership=b.partnership):
        review = schedule.create_final_evaluation(deployment, closed_on=date(2020, 12, 14))
    assert review.due_on == date(2021, 1, 11)
    for _ in range(2):  # a repeated run writes nothing more
        reminders.run_reminders(today=date(2021, 1, 4))
    rows = [row for row in reminder_rows("review.reminder") if f"review:{review.pk}:" in row[2]]
    assert [(who, _stage(key, review)) for _, who, key in rows] == [(b.leader.user_id, "in_7")]
    with scopes_disabled():
        email = Notification.objects.get(dedupe_key=rows[0][2])
    assert email.context["subject"].endswith("is due in a week")
    assert "two-week reminder (28 December 2020)" in " ".join(email.context["lines"])
    reminders.run_reminders(today=date(2021, 1, 11))
    keys = [_stage(key, review) for _, _, key in reminder_rows("review.reminder") if f"review:{review.pk}:" in key]
    assert keys == ["in_7", "due"]


def test_the_run_names_the_one_week_reminder_half_term_moved_onto_the_due_day(brokerage):
    from deployments.models import Deployment, ReviewKind
    from deployments.reviews import schedule

    b = brokerage
    deployment = active(b)
    _brokerage_on_cambridgeshire_2020_21(b)
    with scopes_disabled():
        b.partnership.review_due_school_days = 24
        b.partnership.save(update_fields=["review_due_school_days"])
        Deployment.objects.filter(pk=deployment.pk).update(start_date=date(2021, 1, 4), end_date=date(2021, 3, 26))
        deployment = Deployment.objects.select_related("partnership").get(pk=deployment.pk)
    with scope(partnership=b.partnership):
        schedule.ensure_reviews([deployment], partnership=b.partnership)
        review = Review.objects.get(deployment=deployment, kind=ReviewKind.TERMLY, term_key="2020-21 spring")
    assert review.due_on == date(2021, 2, 22)
    reminders.run_reminders(today=date(2021, 2, 22))
    rows = [key for _, _, key in reminder_rows("review.reminder") if f"review:{review.pk}:" in key]
    assert [_stage(key, review) for key in rows] == ["due"]
    with scopes_disabled():
        email = Notification.objects.get(dedupe_key=rows[0])
    assert email.context["subject"].endswith("is due today")
    assert "one-week reminder (15 February 2021)" in " ".join(email.context["lines"])


def test_a_one_week_reminder_half_term_moves_to_the_day_before_says_tomorrow():
    days = _cambridgeshire_2020_21()
    due = date(2021, 2, 23)  # Tuesday after the February half term
    assert dict(reminders.stage_dates(due, days))["in_7"] == date(2021, 2, 22)
    stages = reminders.stages_to_send(due, date(2021, 2, 22), days)
    message = reminders.reminder_message(what="termly review", school="Histon", reference="D-1", due_on=due,
                                         today=date(2021, 2, 22), stages=stages)
    assert stages == ["in_7"] and message["subject"].endswith("is due tomorrow")
