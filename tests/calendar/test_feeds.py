"""Private calendar feeds: made and revoked on the Calendar feed page, read by calendar apps without a session,
parsed here with icalendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from alliances.models import School
from deployments.models import DeploymentStatus, Visit
from portal.audit.models import AuditEvent
from portal.calendar.models import CalendarFeed
from tests.factories import DeploymentFactory, ReviewFactory, SystemLeaderFactory, VisitFactory
from tests.pages import parsed

pytestmark = pytest.mark.django_db
FEED_PAGE = "/p/cambridgeshire/calendar-feed/"


def _make_feed(client, member) -> str:
    client.force_login(member.user)
    soup = parsed(client.post(FEED_PAGE, {"action": "create"}, follow=True))
    address = soup.select_one("#feed-address")["value"]
    assert address.startswith("http://portal.test/calendar/") and address.endswith(".ics")
    client.logout()
    return address.removeprefix("http://portal.test")


def _read(client, path) -> Calendar:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def _events(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def world(partnership, headteacher, system_leader):
    school = School.objects.get(urn="139087")
    mine = SystemLeaderFactory(partnership=partnership, user=system_leader.user, name="Ruth Ward")
    theirs = SystemLeaderFactory(partnership=partnership, name="Omar Haddad")
    with_head = DeploymentFactory(partnership=partnership, leader=mine, request__school=school,
                                  status=DeploymentStatus.ACTIVE, start_date=date(2026, 9, 7),
                                  end_date=date(2026, 12, 11))
    elsewhere = DeploymentFactory(partnership=partnership, leader=theirs, status=DeploymentStatus.ACTIVE,
                                  start_date=date(2026, 9, 14), end_date=date(2027, 3, 26))
    proposed = DeploymentFactory(partnership=partnership, leader=mine, status=DeploymentStatus.PROPOSED)
    visit = VisitFactory(partnership=partnership, deployment=with_head, visit_date=date(2026, 10, 6),
                         focus="Private focus: the deputy's capability", notes="Private notes")
    review = ReviewFactory(partnership=partnership, deployment=with_head, overall_progress="Private progress")
    return {"with_head": with_head, "elsewhere": elsewhere, "proposed": proposed, "visit": visit, "review": review}


def test_a_feed_lists_what_concerns_the_member_in_london_time_without_private_notes(client, world, headteacher):
    calendar = _read(client, _make_feed(client, headteacher))
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    events = _events(calendar)
    deployment, visit, review = world["with_head"].pk, world["visit"].pk, world["review"].pk
    # The head's school's agreed deployment only: its start and end, its visit and its review.
    assert set(events) == {f"deployment-start-{deployment}@cambridgeshire.s2s",
                           f"deployment-end-{deployment}@cambridgeshire.s2s",
                           f"visit-{visit}@cambridgeshire.s2s", f"review-{review}@cambridgeshire.s2s"}
    visit_event = events[f"visit-{visit}@cambridgeshire.s2s"]
    assert visit_event["DTSTART"].dt == date(2026, 10, 6)  # an all-day DATE value
    assert visit_event["DTEND"].dt == date(2026, 10, 7)
    assert "Histon and Impington Junior School" in str(visit_event["SUMMARY"])
    assert events[f"review-{review}@cambridgeshire.s2s"]["DTSTART"].dt == date(2026, 12, 4)
    assert events[f"deployment-end-{deployment}@cambridgeshire.s2s"]["DTSTART"].dt == date(2026, 12, 11)
    for event in events.values():
        assert {"DTSTAMP", "LAST-MODIFIED", "SEQUENCE"} <= set(event)
    text = calendar.to_ical().decode()
    assert "Private" not in text
    assert world["with_head"].leader.email not in text


def test_each_role_sees_its_own(client, world, system_leader, broker, la_officer):
    leader_events = _events(_read(client, _make_feed(client, system_leader)))
    assert {uid.split("@")[0] for uid in leader_events} == {
        f"deployment-start-{world['with_head'].pk}", f"deployment-end-{world['with_head'].pk}",
        f"visit-{world['visit'].pk}", f"review-{world['review'].pk}"}
    broker_events = _events(_read(client, _make_feed(client, broker)))
    assert f"deployment-start-{world['elsewhere'].pk}@cambridgeshire.s2s" in broker_events
    assert len(broker_events) == 6  # both agreed deployments' start and end, the visit, the review; not the proposal
    assert _events(_read(client, _make_feed(client, la_officer))) == {}


def test_an_edit_updates_the_event_instead_of_adding_one(client, world, headteacher):
    path = _make_feed(client, headteacher)
    before = _events(_read(client, path))
    visit = world["visit"]
    Visit.objects.filter(pk=visit.pk).update(visit_date=date(2026, 10, 8), responded_at=timezone.now()
                                             + timedelta(minutes=5))
    after = _events(_read(client, path))
    assert set(after) == set(before)
    uid = f"visit-{visit.pk}@cambridgeshire.s2s"
    assert after[uid]["DTSTART"].dt == date(2026, 10, 8)
    assert int(after[uid]["SEQUENCE"]) > int(before[uid]["SEQUENCE"])
    assert after[uid]["LAST-MODIFIED"].dt > before[uid]["LAST-MODIFIED"].dt


def test_a_new_address_revokes_the_old_and_revoking_stops_it(client, world, headteacher):
    first = _make_feed(client, headteacher)
    second = _make_feed(client, headteacher)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    client.force_login(headteacher.user)
    assert "Revoke your calendar feed address?" in parsed(client.get(FEED_PAGE + "revoke/")).h1.get_text()
    response = client.post(FEED_PAGE + "revoke/")
    assert response.status_code == 302
    nothing_left = parsed(client.post(FEED_PAGE + "revoke/"))
    assert "nothing to stop" in nothing_left.select_one(".govuk-error-summary").get_text()
    client.logout()
    assert client.get(second).status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert list(AuditEvent.objects.filter(partnership=headteacher.partnership, action__startswith="calendar_feed")
                .values_list("action", flat=True).order_by("pk")) == [
        "calendar_feed.created", "calendar_feed.created", "calendar_feed.revoked"]
    assert CalendarFeed.objects.filter(membership=headteacher, revoked_at__isnull=True).count() == 0


def test_a_deactivated_member_s_feed_stops(client, world, headteacher):
    path = _make_feed(client, headteacher)
    type(headteacher).objects.filter(pk=headteacher.pk).update(is_active=False)
    assert client.get(path).status_code == 404


def test_the_secret_is_stored_hashed(client, world, headteacher):
    path = _make_feed(client, headteacher)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    stored = CalendarFeed.objects.get(membership=headteacher)
    assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_the_page_says_whether_a_feed_exists(client, world, headteacher):
    client.force_login(headteacher.user)
    assert "You have no feed address yet" in parsed(client.get(FEED_PAGE)).main.get_text(" ", strip=True)
    shown = parsed(client.post(FEED_PAGE, {"action": "create"}, follow=True))
    assert shown.select_one("#feed-address") is not None
    page = parsed(client.get(FEED_PAGE))  # a reload: the address is not shown again, and no new one is made
    assert "not shown again" in page.main.get_text(" ", strip=True)
    assert page.select_one("#feed-address") is None
    assert CalendarFeed.objects.filter(membership=headteacher).count() == 1


def _feed_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_feed_s_queries_do_not_grow_with_data(client, world, partnership, broker):
    path = _make_feed(client, broker)
    small = _feed_queries(client, path)
    for _ in range(3):
        deployment = DeploymentFactory(partnership=partnership, status=DeploymentStatus.ACTIVE)
        VisitFactory(partnership=partnership, deployment=deployment)
        ReviewFactory(partnership=partnership, deployment=deployment)
    # The token's feed, its deployments, their visits, their reviews, and stamping when it was read (plus the
    # row-level security settings on PostgreSQL).
    assert _feed_queries(client, path) == small


def test_the_feed_page_s_queries_are_fixed(client, world, headteacher):
    client.force_login(headteacher.user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(FEED_PAGE).status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    client.post(FEED_PAGE, {"action": "create"}, follow=True)
    # Session, user, membership, the live feed (whether there is one or not).
    assert queries() == before
