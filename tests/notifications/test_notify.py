"""GOV.UK Notify through the official client, against a stand-in of its API on 127.0.0.1
(tests/notifications/notify_stand_in.py) that checks the signed token and the JSON of every request."""

from __future__ import annotations

import uuid

import pytest
from django.core.mail import send_mail
from django.utils import timezone
from django_scopes import scope

from portal import checks
from portal.notifications import services
from portal.notifications.models import Channel, Notification
from tests.notifications.notify_stand_in import running_stand_in

TEMPLATES = {"invitation.accepted": str(uuid.uuid4()), "generic": str(uuid.uuid4()),
             "review.reminder:sms": str(uuid.uuid4())}


@pytest.fixture
def notify_api(settings):
    with running_stand_in() as stand_in:
        settings.EMAIL_BACKEND = checks.NOTIFY_BACKEND
        settings.NOTIFY_API_KEY = stand_in.api_key
        settings.NOTIFY_BASE_URL = stand_in.base_url
        settings.NOTIFY_TEMPLATES = dict(TEMPLATES)
        yield stand_in


def _accepted_row(partnership, user, occurrence="o1"):
    with scope(partnership=partnership):
        rows = services.notify(partnership=partnership, event_type="invitation.accepted", recipients=[user],
                               occurrence=occurrence, context={"member_name": "Pat Jones", "role_label": "Broker"},
                               link="/p/x/members/")
    return next(r for r in rows if r.channel == Channel.EMAIL)


def _deliver(row):
    with scope(partnership=row.partnership):
        return services.deliver_notification(notification_id=row.pk)


def _posts(stand_in):
    return [(method, path) for method, path, _ in stand_in.requests if method == "POST"]


def test_an_outbox_email_goes_through_notify_once_with_its_template_and_reference(admin, notify_api):
    row = _accepted_row(admin.partnership, admin.user)
    assert _deliver(row) == "sent"
    assert _deliver(row) == "already sent"
    [sent] = notify_api.accepted
    assert sent["email_address"] == admin.user.email
    assert sent["template_id"] == TEMPLATES["invitation.accepted"]
    assert sent["reference"] == f"notification-{row.pk}"
    personalisation = sent["personalisation"]
    assert personalisation["subject"] == f"Pat Jones accepted your invitation to {admin.partnership.name}"
    assert "Pat Jones" in personalisation["body"] and personalisation["member_name"] == "Pat Jones"
    assert personalisation["link_url"] == "http://portal.test/p/x/members/"
    assert not notify_api.problems
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 1


def test_a_500_is_retried_by_the_outbox_and_sent_once(admin, notify_api):
    row = _accepted_row(admin.partnership, admin.user)
    notify_api.fail_next = [500]
    with pytest.raises(services.TransientDeliveryError):
        _deliver(row)
    row.refresh_from_db()
    assert row.sent_at is None and row.failed_at is None and row.attempts == 1
    assert row.due_at > timezone.now() and "500" in row.last_error
    assert notify_api.accepted == []
    # The retry (the task's countdown, or the sweeper) asks Notify about the reference first, then sends.
    assert _deliver(row) == "sent"
    assert _deliver(row) == "already sent"
    assert [n["reference"] for n in notify_api.accepted] == [f"notification-{row.pk}"]
    assert [(m, p, s) for m, p, s in notify_api.requests] == [
        ("POST", "/v2/notifications/email", 500), ("GET", "/v2/notifications", 200),
        ("POST", "/v2/notifications/email", 201)]


def test_an_accepted_email_whose_answer_was_lost_is_not_sent_again(admin, notify_api):
    row = _accepted_row(admin.partnership, admin.user)
    notify_api.lose_answer_next = 1
    with pytest.raises(services.TransientDeliveryError):
        _deliver(row)
    assert _deliver(row) == "sent"
    assert len(notify_api.accepted) == 1 and _posts(notify_api) == [("POST", "/v2/notifications/email")]


def test_a_request_notify_refuses_fails_for_good(admin, notify_api):
    row = _accepted_row(admin.partnership, admin.user)
    notify_api.fail_next = [400]
    assert _deliver(row) == "failed"
    row.refresh_from_db()
    assert row.failed_at is not None and "400" in row.last_error
    assert _deliver(row) == "already sent" and notify_api.accepted == []


def test_a_batch_goes_on_after_one_failure_and_schedules_its_retry(admin, headteacher, notify_api):
    first = _accepted_row(admin.partnership, admin.user)
    second = _accepted_row(admin.partnership, headteacher.user)
    notify_api.fail_next = [503]
    retries = []
    outcomes = services.deliver_batch([(admin.partnership.pk, first.pk), (admin.partnership.pk, second.pk)],
                                      schedule_retry=lambda *args: retries.append(args))
    assert outcomes == {"retry": 1, "sent": 1}
    assert [args[1] for args in retries] == [first.pk]
    assert [n["reference"] for n in notify_api.accepted] == [f"notification-{second.pk}"]
    assert _deliver(first) == "sent"
    assert sorted(n["reference"] for n in notify_api.accepted) == sorted(
        [f"notification-{first.pk}", f"notification-{second.pk}"])


def test_account_emails_use_the_generic_template(notify_api):
    assert send_mail("Confirm your email address", "Open this link to confirm.", None, ["new@school.example.org"]) == 1
    [sent] = notify_api.accepted
    assert sent["template_id"] == TEMPLATES["generic"] and "reference" not in sent
    assert sent["personalisation"] == {"subject": "Confirm your email address", "body": "Open this link to confirm."}


def test_a_wrong_key_is_refused_by_the_stand_in(admin, notify_api, settings):
    settings.NOTIFY_API_KEY = f"portal_tests-{notify_api.service_id}-{uuid.uuid4()}"
    row = _accepted_row(admin.partnership, admin.user)
    assert _deliver(row) == "failed"
    assert notify_api.problems and notify_api.accepted == []


def test_the_system_check_needs_the_key_and_a_template_for_every_kind(settings):
    settings.EMAIL_BACKEND = checks.NOTIFY_BACKEND
    settings.NOTIFY_API_KEY = ""
    assert [e.id for e in checks.notify_is_complete(None)] == ["portal.E003"]
    settings.NOTIFY_API_KEY = "key"
    settings.NOTIFY_TEMPLATES = {"invitation.accepted": str(uuid.uuid4())}
    [error] = checks.notify_is_complete(None)
    assert error.id == "portal.E004" and "membership.joined" in error.msg and "invitation.accepted," not in error.msg
    settings.NOTIFY_TEMPLATES = {"generic": str(uuid.uuid4())}
    assert checks.notify_is_complete(None) == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.NOTIFY_API_KEY = ""
    assert checks.notify_is_complete(None) == []


# --- text-message reminders -------------------------------------------------------------------------------------

def _review_reminder(partnership, user, occurrence="review:1:7"):
    with scope(partnership=partnership):
        return services.notify(
            partnership=partnership, event_type="review.reminder", recipients=[user], occurrence=occurrence,
            context={"subject": "The termly review of DEP-0001 (Histon and Impington Junior School) is due in a week",
                     "lines": ["Write it."], "action": "Write the review"}, link="/p/x/reviews/1/")


def _opt_in(user, number="+447700900123"):
    user.mobile_number = number
    user.sms_opted_in_at = timezone.now()
    user.save()


def test_a_review_reminder_goes_by_text_once_to_someone_who_opted_in(system_leader, notify_api):
    _opt_in(system_leader.user)
    rows = _review_reminder(system_leader.partnership, system_leader.user)
    assert sorted(r.channel for r in rows) == sorted([Channel.IN_APP, Channel.EMAIL, Channel.SMS])
    assert _review_reminder(system_leader.partnership, system_leader.user) == []  # once each
    text = next(r for r in rows if r.channel == Channel.SMS)
    assert _deliver(text) == "sent"
    assert _deliver(text) == "already sent"
    [sms] = [n for n in notify_api.accepted if n["type"] == "sms"]
    assert sms["phone_number"] == "+447700900123" and sms["template_id"] == TEMPLATES["review.reminder:sms"]
    assert sms["reference"] == f"notification-{text.pk}"
    assert sms["personalisation"]["subject"].startswith("The termly review of DEP-0001")
    assert sms["personalisation"]["link_url"] == "http://portal.test/p/x/reviews/1/"


def test_a_failed_text_is_retried_without_a_duplicate(system_leader, notify_api):
    _opt_in(system_leader.user)
    text = next(r for r in _review_reminder(system_leader.partnership, system_leader.user) if r.channel == Channel.SMS)
    notify_api.fail_next = [500]
    with pytest.raises(services.TransientDeliveryError):
        _deliver(text)
    assert _deliver(text) == "sent"
    assert len([n for n in notify_api.accepted if n["type"] == "sms"]) == 1


def test_no_text_without_a_number_and_an_opt_in_or_without_an_sms_template(system_leader, notify_api, settings):
    system_leader.user.mobile_number = "+447700900123"
    system_leader.user.save()  # a number, never agreed
    assert Channel.SMS not in {r.channel for r in _review_reminder(system_leader.partnership, system_leader.user)}
    _opt_in(system_leader.user)
    settings.NOTIFY_TEMPLATES = {k: v for k, v in TEMPLATES.items() if not k.endswith(":sms")}
    rows = _review_reminder(system_leader.partnership, system_leader.user, occurrence="review:1:0")
    assert Channel.SMS not in {r.channel for r in rows}
    # Other kinds never go by text.
    with scope(partnership=system_leader.partnership):
        rows = services.notify(partnership=system_leader.partnership, event_type="invitation.accepted",
                               recipients=[system_leader.user], occurrence="o9",
                               context={"member_name": "Pat", "role_label": "Broker"})
    assert Channel.SMS not in {r.channel for r in rows}


def test_a_text_for_someone_who_opted_out_since_is_not_sent(system_leader, notify_api):
    _opt_in(system_leader.user)
    text = next(r for r in _review_reminder(system_leader.partnership, system_leader.user) if r.channel == Channel.SMS)
    system_leader.user.sms_opted_in_at = None
    system_leader.user.save()
    assert _deliver(text) == "failed"
    assert notify_api.accepted == [] and Notification.objects.get(pk=text.pk).failed_at is not None
