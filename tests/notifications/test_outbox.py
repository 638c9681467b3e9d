from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope

from portal.notifications import queueing, services
from portal.notifications.models import Channel, Delivery, Notification, NotificationPreference, Preference
from portal.tenancy.roles import Role
from tests.factories import make_member
from tests.pages import parsed


def _notify(partnership, recipients, occurrence="o1", **context):
    with scope(partnership=partnership):
        return services.notify(
            partnership=partnership, event_type="invitation.accepted", recipients=recipients,
            occurrence=occurrence, context={"member_name": "Pat", "role_label": "Broker", **context},
            link="/p/x/members/",
        )


def test_a_user_gets_an_in_app_row_and_an_email_row(admin):
    rows = _notify(admin.partnership, [admin.user])
    assert {(r.channel, r.delivery) for r in rows} == {(Channel.IN_APP, Delivery.IMMEDIATE), (Channel.EMAIL, Delivery.IMMEDIATE)}
    assert all(r.title == f"Pat accepted your invitation to {admin.partnership.name}" for r in rows)


def test_the_same_occurrence_is_written_once(admin):
    _notify(admin.partnership, [admin.user])
    assert _notify(admin.partnership, [admin.user]) == []
    assert Notification.objects.count() == 2


@pytest.mark.parametrize(("choice", "email_delivery"), [(Preference.DIGEST, Delivery.DIGEST), (Preference.OFF, None)])
def test_preferences_decide_how_email_goes(admin, choice, email_delivery):
    NotificationPreference.objects.create(user=admin.user, event_type="invitation.accepted", choice=choice)
    rows = _notify(admin.partnership, [admin.user])
    emails = [r.delivery for r in rows if r.channel == Channel.EMAIL]
    assert emails == ([email_delivery] if email_delivery else [])
    assert any(r.channel == Channel.IN_APP for r in rows)


def test_mandatory_events_ignore_an_off_preference(admin, headteacher):
    NotificationPreference.objects.create(user=headteacher.user, event_type="membership.role_changed", choice=Preference.OFF)
    with scope(partnership=admin.partnership):
        rows = services.notify(
            partnership=admin.partnership, event_type="membership.role_changed", recipients=[headteacher.user],
            occurrence="x", context={"old_role_label": "A", "role_label": "B", "role_description": "", "actor_name": "C"},
        )
    assert any(r.channel == Channel.EMAIL and r.delivery == Delivery.IMMEDIATE for r in rows)


def test_set_preferences_skips_mandatory_events(admin):
    services.set_preferences(user=admin.user, choices={"membership.role_changed": "off", "invitation.accepted": "digest"})
    assert dict(NotificationPreference.objects.values_list("event_type", "choice")) == {"invitation.accepted": "digest"}


def test_delivery_sends_once_with_a_stable_message_id_and_escaped_html(admin):
    rows = _notify(admin.partnership, [admin.user], member_name="<script>alert(1)</script> & Co")
    email_row = next(r for r in rows if r.channel == Channel.EMAIL)
    with scope(partnership=admin.partnership):
        assert services.deliver_notification(notification_id=email_row.pk) == "sent"
        assert services.deliver_notification(notification_id=email_row.pk) == "already sent"
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == email_row.message_id
    html = message.alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert "<script>alert(1)</script> & Co accepted" in message.body  # plain text is not HTML-escaped
    assert "http://portal.test/p/x/members/" in message.body


def test_transient_smtp_errors_raise_for_a_retry_and_are_recorded(admin, monkeypatch):
    rows = _notify(admin.partnership, [admin.user])
    email_row = next(r for r in rows if r.channel == Channel.EMAIL)

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with scope(partnership=admin.partnership), pytest.raises(services.TransientDeliveryError):
        services.deliver_notification(notification_id=email_row.pk)
    email_row.refresh_from_db()
    assert email_row.attempts == 1 and "gone" in email_row.last_error and email_row.sent_at is None
    assert email_row.failed_at is None and email_row.due_at > timezone.now()


def test_permanent_smtp_errors_fail_the_row_without_retrying(admin, monkeypatch):
    rows = _notify(admin.partnership, [admin.user])
    email_row = next(r for r in rows if r.channel == Channel.EMAIL)

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({email_row.email: (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with scope(partnership=admin.partnership):
        assert services.deliver_notification(notification_id=email_row.pk) == "failed"
    email_row.refresh_from_db()
    assert email_row.failed_at is not None


def test_a_failed_invitation_email_does_not_keep_the_token(admin, monkeypatch):
    from portal.tenancy.services import invite_member

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with scope(partnership=admin.partnership):
        sent = invite_member(actor=admin, email="x@example.org", role=Role.BROKER)
        row = Notification.objects.get(event_type="invitation.sent")
        assert sent.token in row.link  # until delivery is tried, the outbox row holds the link with the token
        assert services.deliver_notification(notification_id=row.pk) == "failed"
    row.refresh_from_db()
    assert row.link == ""


def test_the_sweeper_requeues_only_old_unsent_email_rows(admin, monkeypatch):
    queued = []
    monkeypatch.setattr(queueing, "publish_deliveries", lambda items: queued.extend(pk for _, pk in items) or True)
    rows = _notify(admin.partnership, [admin.user])
    email_row = next(r for r in rows if r.channel == Channel.EMAIL)
    assert services.global_sweep_unsent() == 0
    Notification.objects.filter(pk=email_row.pk).update(due_at=timezone.now() - timedelta(minutes=6))
    assert services.global_sweep_unsent() == 1
    assert queued == [email_row.pk]


def test_the_sweeper_leaves_rows_waiting_for_a_scheduled_retry(admin, monkeypatch):
    queued = []
    monkeypatch.setattr(queueing, "publish_deliveries", lambda items: queued.extend(pk for _, pk in items) or True)
    rows = _notify(admin.partnership, [admin.user])
    email_row = next(r for r in rows if r.channel == Channel.EMAIL)
    # Created long ago, but its third attempt failed a minute ago and the next is due in 3 minutes.
    Notification.objects.filter(pk=email_row.pk).update(
        created_at=timezone.now() - timedelta(hours=1), attempts=3, due_at=timezone.now() + timedelta(minutes=3)
    )
    assert services.global_sweep_unsent() == 0
    # Once the retry is overdue by the grace period (a lost retry), the sweeper takes it.
    Notification.objects.filter(pk=email_row.pk).update(due_at=timezone.now() - timedelta(minutes=6))
    assert services.global_sweep_unsent() == 1


def test_the_sweeper_skips_inactive_partnerships(admin, other_partnership, monkeypatch):
    queued = []
    monkeypatch.setattr(queueing, "publish_deliveries", lambda items: queued.extend(pk for _, pk in items) or True)
    _notify(admin.partnership, [admin.user])
    Notification.objects.update(due_at=timezone.now() - timedelta(minutes=10))
    # An unsent email row, overdue past the grace period: the sweeper would take it from an active partnership.
    assert Notification.objects.filter(channel=Channel.EMAIL, sent_at__isnull=True, failed_at__isnull=True,
                                       due_at__lt=timezone.now() - timedelta(minutes=5)).count() == 1
    admin.partnership.is_active = False
    admin.partnership.save()
    assert services.global_sweep_unsent() == 0
    assert queued == []


def test_retries_back_off_and_give_up_after_the_last_attempt(admin, monkeypatch):
    rows = _notify(admin.partnership, [admin.user])
    email_row = next(r for r in rows if r.channel == Channel.EMAIL)

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("relay down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    countdowns = []
    with scope(partnership=admin.partnership):
        for _ in range(services.MAX_ATTEMPTS - 1):
            with pytest.raises(services.TransientDeliveryError) as error:
                services.deliver_notification(notification_id=email_row.pk)
            countdowns.append(error.value.countdown)
        assert services.deliver_notification(notification_id=email_row.pk) == "failed"
    assert countdowns[:4] == [60, 120, 240, 480] and max(countdowns) == 3600
    email_row.refresh_from_db()
    assert email_row.attempts == services.MAX_ATTEMPTS and email_row.failed_at is not None


def test_the_weekly_digest_is_one_email_per_person_and_partnership(admin, other_partnership):
    NotificationPreference.objects.create(user=admin.user, event_type="invitation.accepted", choice=Preference.DIGEST)
    _notify(admin.partnership, [admin.user], occurrence="a")
    _notify(admin.partnership, [admin.user], occurrence="b")
    make_member(other_partnership, Role.ADMIN, user=admin.user)
    _notify(other_partnership, [admin.user], occurrence="c")
    assert services.global_send_digests() == 3
    assert len(mail.outbox) == 2
    subjects = sorted(m.subject for m in mail.outbox)
    assert "2 updates" in subjects[0] or "2 updates" in subjects[1]
    assert services.global_send_digests() == 0  # sent rows are not sent again
    assert len(mail.outbox) == 2


def test_marking_read(client, admin):
    rows = _notify(admin.partnership, [admin.user])
    in_app = next(r for r in rows if r.channel == Channel.IN_APP)
    client.force_login(admin.user)
    slug = admin.partnership.slug
    page = client.get(f"/p/{slug}/notifications/")
    assert "1 unread" in page.content.decode()
    response = client.get(f"/p/{slug}/notifications/{in_app.pk}/")
    assert response.status_code == 302 and response["Location"] == "/p/x/members/"
    in_app.refresh_from_db()
    assert in_app.read_at is not None
    page = parsed(client.get(f"/p/{slug}/notifications/"))
    assert in_app.title in page.main.get_text(" ", strip=True)  # still listed, now read
    assert "unread" not in page.get_text(" ", strip=True)


def test_mark_all_read(client, admin):
    _notify(admin.partnership, [admin.user], occurrence="a")
    _notify(admin.partnership, [admin.user], occurrence="b")
    assert Notification.objects.filter(channel=Channel.IN_APP, read_at__isnull=True).count() == 2
    client.force_login(admin.user)
    response = client.post(f"/p/{admin.partnership.slug}/notifications/read-all/")
    assert (response.status_code, response["Location"]) == (302, f"/p/{admin.partnership.slug}/notifications/")
    assert not Notification.objects.filter(channel=Channel.IN_APP, read_at__isnull=True).exists()


def test_preferences_page_saves_choices(client, headteacher):
    from portal.notifications.events import configurable_events

    client.force_login(headteacher.user)
    choices = {event.key: "immediate" for event in configurable_events()}
    choices.update({"invitation.accepted": "off", "membership.joined": "digest"})
    response = client.post("/account/notifications/", choices)
    assert (response.status_code, response["Location"]) == (302, "/account/notifications/")
    saved = dict(NotificationPreference.objects.values_list("event_type", "choice"))
    assert saved["invitation.accepted"] == "off" and saved["membership.joined"] == "digest"
    bad = client.post("/account/notifications/", {"invitation.accepted": "sometimes"})
    assert bad.status_code == 200 and "There is a problem" in bad.content.decode()


def test_the_invitation_token_is_wiped_from_the_outbox_once_sent(admin):
    from portal.tenancy.services import invite_member

    with scope(partnership=admin.partnership):
        sent = invite_member(actor=admin, email="x@example.org", role=Role.BROKER)
        row = Notification.objects.get(event_type="invitation.sent")
        assert sent.token in row.link
        assert services.deliver_notification(notification_id=row.pk) == "sent"
    row.refresh_from_db()
    assert row.link == "" and sent.token in mail.outbox[0].body
