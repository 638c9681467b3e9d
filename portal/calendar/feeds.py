"""Private calendar feeds: what concerns a member, as an iCalendar document their calendar app subscribes to.

The foundation knows no feature app, so feature apps add their events through `register_calendar_source` (called
from their AppConfig.ready()): a source takes the membership and returns `FeedEvent`s the member may see. Every
event carries a stable UID, so an edit updates the event in the member's calendar instead of adding another, and a
SEQUENCE and LAST-MODIFIED taken from when its row last changed. Sources put no private notes or contact details in
a summary: a feed address can end up in places a signed-in page never does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event, Timezone

from portal.audit.services import record_event
from portal.calendar.models import CalendarFeed
from portal.calendar.schooldays import LONDON
from portal.tenancy.models import Membership, hash_token, new_token
from portal.tenancy.rls import cross_partnership

PRODUCT_ID = "-//School-to-school support portal//Calendar feed//EN"


@dataclass(frozen=True)
class FeedEvent:
    """One event of a feed. A `date` start makes an all-day event (DATE values); a `datetime` one is written in
    Europe/London time with its TZID. `end` is exclusive for all-day events, as iCalendar wants."""

    uid: str
    summary: str
    start: date | datetime
    last_modified: datetime
    end: date | datetime | None = None
    description: str = ""
    url: str = ""


CalendarSource = Callable[[Membership], Iterable[FeedEvent]]
_sources: list[CalendarSource] = []


def register_calendar_source(source: CalendarSource) -> None:
    """Called from a feature app's AppConfig.ready(): `source(membership)` lists that app's events for a member."""
    if source not in _sources:
        _sources.append(source)


def events_for(membership: Membership) -> list[FeedEvent]:
    events = [event for source in _sources for event in source(membership)]
    return sorted(events, key=lambda event: (_as_datetime(event.start), event.uid))


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=LONDON).astimezone(UTC)


def _when(value: date | datetime) -> date | datetime:
    return value.astimezone(LONDON) if isinstance(value, datetime) else value


def render_feed(membership: Membership, *, now: datetime | None = None) -> bytes:
    """The member's feed as iCalendar text (RFC 5545), with the Europe/London VTIMEZONE."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{membership.partnership.name}: school-to-school support")
    calendar.add("x-wr-timezone", "Europe/London")
    calendar.add_component(Timezone.from_tzid("Europe/London"))
    for item in events_for(membership):
        event = Event()
        event.add("uid", item.uid)
        event.add("summary", item.summary)
        event.add("dtstart", _when(item.start))
        if item.end is not None:
            event.add("dtend", _when(item.end))
        event.add("dtstamp", now.astimezone(UTC))
        modified = item.last_modified.astimezone(UTC)
        event.add("last-modified", modified)
        # Seconds since 2020: grows with every change to the row, as SEQUENCE must.
        event.add("sequence", max(0, int(modified.timestamp()) - 1_577_836_800))
        event.add("transp", "TRANSPARENT" if isinstance(item.start, date) and not isinstance(item.start, datetime)
                  else "OPAQUE")
        if item.description:
            event.add("description", item.description)
        if item.url:
            event.add("url", item.url)
        calendar.add_component(event)
    return calendar.to_ical()


@transaction.atomic
def create_feed(*, membership: Membership) -> tuple[CalendarFeed, str]:
    """A new secret address for the member's feed, returned once; any earlier address stops working."""
    revoked = CalendarFeed.objects.filter(partnership=membership.partnership, membership=membership,
                                          revoked_at__isnull=True).update(revoked_at=timezone.now())
    token = new_token()
    feed = CalendarFeed.objects.create(partnership=membership.partnership, membership=membership,
                                       token_hash=hash_token(token))
    record_event(partnership=membership.partnership, action="calendar_feed.created", actor=membership.user, obj=feed,
                 note="The earlier address was revoked." if revoked else "")
    return feed, token


@transaction.atomic
def revoke_feed(*, membership: Membership) -> bool:
    """Stops the member's feed address working. False when there was none."""
    feed = CalendarFeed.objects.filter(partnership=membership.partnership, membership=membership,
                                       revoked_at__isnull=True).first()
    if feed is None:
        return False
    CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_event(partnership=membership.partnership, action="calendar_feed.revoked", actor=membership.user, obj=feed)
    return True


def live_feed(*, membership: Membership) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(partnership=membership.partnership, membership=membership,
                                       revoked_at__isnull=True).first()


def global_feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed a secret address names, whichever partnership it belongs to (the address says nothing else),
    or None when it is unknown, revoked, or its membership or partnership is no longer active."""
    with cross_partnership("a calendar app fetching a member's feed by its secret address", quiet=True):
        return (CalendarFeed.objects.filter(token_hash=hash_token(token), revoked_at__isnull=True,
                                            membership__is_active=True, partnership__is_active=True)
                .select_related("partnership", "membership__user", "membership__partnership").first())
