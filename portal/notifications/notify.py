"""GOV.UK Notify: an email backend (EMAIL_BACKEND = "portal.notifications.notify.NotifyEmailBackend") and text
messages, both through the official client, for the outbox's rows (portal/notifications/delivery.py).

Notify sends from templates, so each kind of notification maps to one template id (NOTIFY_TEMPLATES, README
"GOV.UK Notify") and the portal passes personalisation: the rendered `subject` and `body` and the fields
below. Every request carries the outbox row's id as Notify's `reference`. A send is tried again only after a
transient failure (Notify's 5xx or 429, or no answer); before trying again the backend asks Notify for
notifications with that reference, so a request Notify accepted but whose answer was lost is not sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

GENERIC = "generic"


class NotifyError(Exception):
    """Notify refused or could not take a message; `transient` says whether trying later may work."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.transient = transient


@dataclass
class NotifyMessage:
    """What the outbox tells Notify about one row, attached to its email as `message.notify`."""

    kind: str
    reference: str
    personalisation: dict[str, Any] = field(default_factory=dict)
    # A later attempt: ask Notify first whether an earlier one got through.
    retry: bool = False


def client() -> NotificationsAPIClient:
    if not settings.NOTIFY_API_KEY:
        raise NotifyError("Set NOTIFY_API_KEY to send through GOV.UK Notify.", transient=False)
    options = {"base_url": settings.NOTIFY_BASE_URL} if settings.NOTIFY_BASE_URL else {}
    return NotificationsAPIClient(settings.NOTIFY_API_KEY, timeout=settings.NOTIFY_TIMEOUT, **options)


def template_for(kind: str) -> str:
    templates = settings.NOTIFY_TEMPLATES
    template_id = templates.get(kind) or (templates.get(GENERIC) if not kind.endswith(":sms") else None)
    if not template_id:
        raise NotifyError(f"No GOV.UK Notify template for {kind!r}: add it to NOTIFY_TEMPLATE_IDS.", transient=False)
    return template_id


def text_messages_enabled(event_key: str) -> bool:
    """Whether text messages for this kind can go: Notify is set up and the kind has an SMS template."""
    return bool(settings.NOTIFY_API_KEY and settings.NOTIFY_TEMPLATES.get(f"{event_key}:sms"))


def personalisation_of(context: dict[str, Any], **fields: str) -> dict[str, Any]:
    """The fields a template may use: the notification's own plain values (strings and numbers) and `fields`.
    Notify ignores fields a template does not use and refuses a template whose field is missing."""
    values = {key: value for key, value in context.items()
              if isinstance(value, str | int | float) and not isinstance(value, bool)}
    return {**values, **fields}


def _transient(error: APIError) -> bool:
    return error.status_code >= 500 or error.status_code == 429


def _already_sent(api: NotificationsAPIClient, reference: str) -> bool:
    """Whether Notify already has a notification with this reference that did not fail for good."""
    try:
        found = api.get_all_notifications(reference=reference)
    except APIError as error:
        raise NotifyError(f"GOV.UK Notify could not list notifications: {error}", transient=True) from error
    failed = {"permanent-failure", "validation-failed", "technical-failure"}
    return any(n.get("reference") == reference and n.get("status") not in failed
               for n in found.get("notifications", []))


def _call(send, *, what: str) -> None:
    try:
        send()
    except APIError as error:
        raise NotifyError(f"GOV.UK Notify did not take the {what}: {error}", transient=_transient(error)) from error


def send_email(api: NotificationsAPIClient, *, to: str, notify: NotifyMessage) -> None:
    if notify.retry and _already_sent(api, notify.reference):
        return
    reply_to = {"email_reply_to_id": settings.NOTIFY_EMAIL_REPLY_TO_ID} if settings.NOTIFY_EMAIL_REPLY_TO_ID else {}
    _call(lambda: api.send_email_notification(
        email_address=to, template_id=template_for(notify.kind), personalisation=notify.personalisation,
        reference=notify.reference or None, **reply_to), what="email")


def send_text(api: NotificationsAPIClient, *, phone_number: str, notify: NotifyMessage) -> None:
    if notify.retry and _already_sent(api, notify.reference):
        return
    _call(lambda: api.send_sms_notification(
        phone_number=phone_number, template_id=template_for(f"{notify.kind}:sms"),
        personalisation=notify.personalisation, reference=notify.reference), what="text message")


class NotifyEmailBackend(BaseEmailBackend):
    """Django's email backend API over GOV.UK Notify. An outbox email carries `message.notify` (its template
    kind, personalisation and reference); any other email (django-allauth's account emails) goes through the
    "generic" template with its subject and text body."""

    def __init__(self, fail_silently: bool = False, **kwargs):
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.api: NotificationsAPIClient | None = None

    def open(self) -> bool:
        if self.api is not None:
            return False
        self.api = client()
        return True

    def close(self) -> None:
        if self.api is not None:
            self.api.request_session.close()
            self.api = None

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        opened = self.open()
        sent = 0
        try:
            for message in email_messages:
                notify = getattr(message, "notify", None) or NotifyMessage(
                    kind=GENERIC, reference="", personalisation={"subject": message.subject, "body": message.body})
                try:
                    for recipient in message.recipients():
                        send_email(self.api, to=recipient, notify=notify)
                except NotifyError:
                    if not self.fail_silently:
                        raise
                    continue
                sent += 1
        finally:
            if opened:
                self.close()
        return sent
