"""The platform admin's outbox (retry a failed email, audited) and import jobs (read-only)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from alliances.models import ImportJob
from portal.audit.models import AuditEvent
from portal.notifications import queueing
from portal.notifications.models import Channel, Notification
from portal.notifications.operations import global_retry_failed
from tests.factories.portal import NotificationFactory, UserFactory, give_mfa


@pytest.fixture
def operator(db):
    user = UserFactory(is_staff=True, is_superuser=True)
    give_mfa(user)  # staff without two-factor are sent to set it up first
    return user


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(queueing, "_publish", lambda items: calls.extend(items))
    return calls


def _failed(partnership, **extra):
    with scopes_disabled():
        return NotificationFactory(partnership=partnership, channel=Channel.EMAIL, attempts=10,
                                   failed_at=timezone.now(), last_error="SMTPDataError(554)", **extra)


def test_retrying_a_failed_email_makes_it_due_keeps_its_attempts_and_audits_it(
        partnership, other_partnership, operator, queued, django_capture_on_commit_callbacks):
    mine, theirs = _failed(partnership), _failed(other_partnership)
    with scopes_disabled():
        sent = NotificationFactory(partnership=partnership, channel=Channel.EMAIL, sent_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert global_retry_failed(notification_ids=[mine.pk, theirs.pk, sent.pk], operator=operator) == 2
    assert sorted(queued) == sorted([(partnership.pk, mine.pk), (other_partnership.pk, theirs.pk)])
    with scopes_disabled():
        mine.refresh_from_db()
        sent.refresh_from_db()
    assert mine.failed_at is None and mine.attempts == 10 and mine.due_at <= timezone.now()
    assert sent.failed_at is None and sent.sent_at is not None
    with scope(partnership=partnership):
        [event] = AuditEvent.objects.filter(action="notification.retried")
    assert event.actor == operator and event.object_id == str(mine.pk) and event.new == {"failed_at": None}


def test_the_admin_lists_the_outbox_and_its_action_retries(client, partnership, operator, queued,
                                                         django_capture_on_commit_callbacks):
    row = _failed(partnership)
    client.force_login(operator)
    listing = client.get("/admin/portal/notification/?state=failed")
    assert listing.status_code == 200 and row.email in listing.content.decode()
    assert client.get(f"/admin/portal/notification/{row.pk}/change/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/portal/notification/", {
            "action": "retry_failed", "_selected_action": [row.pk]}, follow=True)
    assert "Queued 1 failed email(s) to be sent again." in response.content.decode()
    assert queued == [(partnership.pk, row.pk)]
    assert client.get("/admin/portal/notification/add/").status_code == 403
    with scopes_disabled():
        assert Notification.objects.get(pk=row.pk).failed_at is None


def test_the_admin_shows_import_jobs_read_only(client, operator):
    job = ImportJob.objects.create(filename="gias.csv", state=ImportJob.State.FAILED, summary="URN is missing")
    client.force_login(operator)
    assert "gias.csv" in client.get("/admin/alliances/importjob/").content.decode()
    page = client.get(f"/admin/alliances/importjob/{job.pk}/change/")
    assert page.status_code == 200 and "URN is missing" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.get("/admin/alliances/importjob/add/").status_code == 403
    assert client.post(f"/admin/alliances/importjob/{job.pk}/delete/", {"post": "yes"}).status_code == 403
