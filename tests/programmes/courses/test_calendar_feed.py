"""Programme sessions in the calendar feed: a participant sees the sessions of cohorts they hold an accepted place on,
a facilitating system leader those they run, in Europe/London time with stable UIDs; nobody else sees them."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from icalendar import Calendar

from portal.calendar.schooldays import LONDON
from programmes.models import PlaceStatus
from tests.factories import SystemLeaderFactory
from tests.factories.courses import CohortFactory, FacilitatorFactory, PlaceFactory, SessionFactory
from tests.pages import parsed

pytestmark = pytest.mark.django_db
FEED_PAGE = "/p/cambridgeshire/calendar-feed/"


def _feed(client, member) -> dict[str, object]:
    client.force_login(member.user)
    address = parsed(client.post(FEED_PAGE, {"action": "create"}, follow=True)).select_one("#feed-address")["value"]
    client.logout()
    response = client.get(address.removeprefix("http://portal.test"))
    assert response.status_code == 200
    return {str(event["UID"]): event for event in Calendar.from_ical(response.content).walk("VEVENT")}


def test_participants_and_facilitators_see_their_sessions(client, partnership, participant, system_leader, headteacher):
    cohort = CohortFactory(partnership=partnership, name="Autumn cohort", programme__title="Leading from the middle")
    session = SessionFactory(cohort=cohort, title="Day 1", date=date(2026, 10, 6), starts_at=time(9, 30),
                             ends_at=time(15, 30), venue="Histon")
    PlaceFactory(cohort=cohort, user=participant.user, status=PlaceStatus.ACCEPTED)
    FacilitatorFactory(cohort=cohort, leader=SystemLeaderFactory(partnership=partnership, user=system_leader.user))
    # Not theirs: a waitlisted place, a cancelled cohort, a draft cohort.
    waiting = CohortFactory(partnership=partnership)
    SessionFactory(cohort=waiting)
    PlaceFactory(cohort=waiting, user=participant.user, status=PlaceStatus.WAITLISTED)
    cancelled = CohortFactory(partnership=partnership, status="cancelled")
    SessionFactory(cohort=cancelled)
    PlaceFactory(cohort=cancelled, user=participant.user, status=PlaceStatus.ACCEPTED)

    uid = f"programme-session-{session.pk}@cambridgeshire.s2s"
    events = _feed(client, participant)
    assert list(events) == [uid]
    event = events[uid]
    assert str(event["SUMMARY"]) == "Leading from the middle: Day 1"
    assert event.decoded("DTSTART") == datetime(2026, 10, 6, 9, 30, tzinfo=LONDON)
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTEND").hour == 15
    assert "Histon" in str(event["DESCRIPTION"])
    assert list(_feed(client, system_leader)) == [uid]
    assert not [key for key in _feed(client, headteacher) if key.startswith("programme-session")]

    # A changed time updates the same event.
    session.starts_at = time(10, 0)
    session.save()
    again = _feed(client, participant)
    assert list(again) == [uid] and again[uid].decoded("DTSTART").hour == 10
