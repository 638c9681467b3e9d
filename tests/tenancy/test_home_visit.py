"""The home page records when the member last opened it ("since your last visit"), at most once a minute."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.tenancy import services
from portal.tenancy.models import Membership


def _visit(client, member) -> bool:
    """Open the member's home page; whether it wrote the visit down."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/p/{member.partnership.slug}/").status_code == 200
    return any('UPDATE "portal_membership" SET "home_seen_at"' in q["sql"] for q in queries.captured_queries)


def _seen(member):
    return Membership.objects.get(pk=member.pk).home_seen_at


def test_a_visit_is_recorded_once_a_minute_and_the_next_session_starts_from_it(headteacher):
    first = Client()
    first.force_login(headteacher.user)
    before = timezone.now()
    assert _visit(first, headteacher)  # never seen: recorded
    recorded = _seen(headteacher)
    assert before <= recorded <= timezone.now()
    assert not _visit(first, headteacher)  # a reload within the minute writes nothing
    assert _seen(headteacher) == recorded
    later = Client()
    later.force_login(headteacher.user)
    assert not _visit(later, headteacher)  # nor a new session's first view within it
    # A minute on, the next view is recorded again.
    Membership.objects.filter(pk=headteacher.pk).update(home_seen_at=recorded - timedelta(minutes=1))
    assert _visit(later, headteacher)
    assert _seen(headteacher) > recorded


def test_since_is_the_visit_before_the_session_never_later_than_the_last_visit(headteacher):
    member = Membership.objects.select_related("partnership").get(pk=headteacher.pk)
    session: dict = {}
    assert services.note_home_visit(membership=member, session=session) is None  # the first visit ever
    first = member.home_seen_at
    # The same session keeps its answer, however often the page is opened.
    assert services.note_home_visit(membership=member, session=session) is None
    # A session started within the minute answers with the recorded visit: at or before the true last one, so
    # nothing that changed after the last visit is missed (a change from the minute before may show twice).
    last_true_visit = timezone.now()
    member = Membership.objects.get(pk=headteacher.pk)
    assert services.note_home_visit(membership=member, session={}) == first <= last_true_visit
    # After a minute the visit is recorded anew and the next session starts from it.
    Membership.objects.filter(pk=headteacher.pk).update(home_seen_at=first - timedelta(minutes=2))
    member = Membership.objects.get(pk=headteacher.pk)
    assert services.note_home_visit(membership=member, session={}) == first - timedelta(minutes=2)
    member = Membership.objects.get(pk=headteacher.pk)
    assert services.note_home_visit(membership=member, session={}) == member.home_seen_at > first
