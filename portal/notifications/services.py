"""The notification outbox: write rows in the caller's transaction, deliver them once, afterwards."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_scopes import scope

from portal.accounts.models import User

# Delivery and queueing live in their own modules; callers reach them through this one.
from portal.notifications.delivery import (  # noqa: F401
    MAX_ATTEMPTS,
    TransientDeliveryError,
    _render_title,
    build_email,
    deliver_batch,
    deliver_notification,
    email_context,
    retry_delay,
)
from portal.notifications.events import EVENTS, get_event
from portal.notifications.models import (
    SENT_BY_WORKERS,
    Channel,
    Delivery,
    Notification,
    NotificationPreference,
    Preference,
)
from portal.notifications.notify import text_messages_enabled
from portal.notifications.queueing import (  # noqa: F401
    broker,
    enqueue_delivery,
    global_sweep_unsent,
    publish_deliveries,
    queue_on_commit,
    set_delivery_queue,
)
from portal.tenancy.models import Partnership
from portal.tenancy.rls import cross_partnership

logger = logging.getLogger(__name__)


def _preferences_for(users: list[User]) -> dict[tuple[int, str], str]:
    rows = NotificationPreference.objects.filter(user__in=[user.pk for user in users]).values_list(
        "user_id", "event_type", "choice"
    )
    return {(user_id, event_type): choice for user_id, event_type, choice in rows}


def _channels(event, user: User | None, preferences: dict[tuple[int, str], str]) -> list[tuple[str, str]]:
    """Where one event goes for one recipient: in the app for users (unless email only), and by email now, in
    the weekly digest or not at all as the user chose (mandatory events and addresses without an account: now)."""
    rows: list[tuple[str, str]] = []
    if user and not event.email_only:
        rows.append((Channel.IN_APP, Delivery.IMMEDIATE))
    choice = Preference.IMMEDIATE if event.mandatory or not user else preferences.get((user.pk, event.key))
    if choice == Preference.DIGEST:
        rows.append((Channel.EMAIL, Delivery.DIGEST))
    elif choice != Preference.OFF:
        rows.append((Channel.EMAIL, Delivery.IMMEDIATE))
    if event.text_message and user and user.wants_text_reminders and text_messages_enabled(event.key):
        rows.append((Channel.SMS, Delivery.IMMEDIATE))  # the user agreed to these on their account page
    return rows


def subject_of(occurrence: str) -> str:
    """What an occurrence is about: `offer:42:made` is about `offer:42`."""
    return ":".join(occurrence.split(":")[:2])[:60]


def _rows(*, partnership: Partnership, event, occurrence: str, user: User | None, email: str,
          preferences: dict[tuple[int, str], str], title: str, link: str, context: dict[str, Any],
          now=None) -> list[Notification]:
    """The unsaved outbox rows for one event to one recipient: one per channel, each with its unique key (the
    same event, occurrence, recipient and channel is written once, ever). In-app rows are delivered by being
    written."""
    now = now or timezone.now()
    who = f"user{user.pk}" if user else email
    return [Notification(
        partnership=partnership, recipient=user, email=email, channel=channel, delivery=delivery,
        event_type=event.key, subject=subject_of(occurrence), title=title, link=link, context=context,
        dedupe_key=f"{partnership.pk}:{event.key}:{occurrence}:{who}:{channel}"[:255],
        sent_at=now if channel == Channel.IN_APP else None,
    ) for channel, delivery in _channels(event, user, preferences)]


def notify(
    *,
    partnership: Partnership,
    event_type: str,
    recipients: Iterable[User | str],
    occurrence: str,
    context: dict[str, Any],
    link: str = "",
) -> list[Notification]:
    """Write outbox rows for `event_type` to each recipient (a user, or an email address without an account).

    Call it inside the transaction that makes the change. `occurrence` names the cause (for example
    `invitation:42`): the same event for the same occurrence and recipient is written once, ever.
    Email rows that go out straight away are queued for delivery when the transaction commits.
    """
    event = get_event(event_type)
    context = {**context, "partnership_name": partnership.name}
    title = _render_title(event.template, context)
    recipients = list(recipients)
    users = [recipient for recipient in recipients if isinstance(recipient, User)]
    preferences = _preferences_for(users) if users and not event.mandatory else {}
    created: list[Notification] = []
    for recipient in recipients:
        user = recipient if isinstance(recipient, User) else None
        email = user.email if user else str(recipient).lower()
        for row in _rows(partnership=partnership, event=event, occurrence=occurrence, user=user, email=email,
                         preferences=preferences, title=title, link=link, context=context):
            fields = {f.attname: getattr(row, f.attname) for f in Notification._meta.concrete_fields
                      if f.attname not in ("id", "dedupe_key")}
            notification, was_created = Notification.objects.get_or_create(dedupe_key=row.dedupe_key, defaults=fields)
            if was_created:
                created.append(notification)
    queue_on_commit(partnership_id=partnership.pk, notification_ids=[
        n.pk for n in created if n.channel in SENT_BY_WORKERS and n.delivery == Delivery.IMMEDIATE])
    return created


@dataclass(frozen=True)
class Pending:
    """One notification to write in bulk: what, to whom, for which occurrence."""

    event_type: str
    recipient: User
    occurrence: str
    context: dict[str, Any]
    link: str = ""


def notify_bulk(*, partnership: Partnership, items: list[Pending]) -> int:
    """Write outbox rows for many notifications in a fixed number of queries (reminder runs use it).

    Same rules as `notify`: one row per event, occurrence, recipient and channel, ever (the unique dedupe
    key, with conflicts ignored, so two runs at once write each row once); preferences apply; emails
    that go out now are queued for delivery on commit. Returns the number of rows written.
    """
    if not items:
        return 0
    preferences = _preferences_for(list({item.recipient.pk: item.recipient for item in items}.values()))
    rows: list[Notification] = []
    now = timezone.now()
    for item in items:
        event = get_event(item.event_type)
        context = {**item.context, "partnership_name": partnership.name}
        rows.extend(_rows(partnership=partnership, event=event, occurrence=item.occurrence, user=item.recipient,
                          email=item.recipient.email, preferences=preferences, title=_render_title(event.template, context),
                          link=item.link, context=context, now=now))
    keys = [row.dedupe_key for row in rows]
    existing = set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    new = [row for row in rows if row.dedupe_key not in existing]
    for row in new:
        row.created_at = now  # the stamp that tells this call's rows from any a concurrent run wrote
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    # Conflicting inserts (another run writing the same keys at once) were skipped without a word, so
    # count what is really there from this call: its keys, with its creation stamp.
    written = list(Notification.objects.filter(dedupe_key__in=[row.dedupe_key for row in new], created_at=now)
                   .values_list("pk", "channel", "delivery"))
    queue_on_commit(partnership_id=partnership.pk, notification_ids=[
        pk for pk, channel, delivery in written if channel in SENT_BY_WORKERS and delivery == Delivery.IMMEDIATE])
    return len(written)


def send_digest(*, partnership: Partnership, recipient: User) -> int:
    """Send one email listing every digest row waiting for `recipient` in `partnership`; mark them sent."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(
                recipient=recipient,
                channel=Channel.EMAIL,
                delivery=Delivery.DIGEST,
                sent_at__isnull=True,
                failed_at__isnull=True,
            )
            .order_by("created_at", "id")
        )
        if not rows:
            return 0
        context = {
            "recipient_name": recipient.get_short_name(),
            "partnership_name": partnership.name,
            "items": [
                {"title": row.title, "link_url": f"{settings.SITE_URL}{row.link}" if row.link else "",
                 "created_at": row.created_at}
                for row in rows
            ],
            "site_name": settings.SITE_NAME,
            "preferences_url": f"{settings.SITE_URL}/account/notifications/",
        }
        subject = _render_title("digest", context)
        message = EmailMultiAlternatives(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            body=render_to_string("emails/digest-body.txt", context),
            to=[recipient.email],
            headers={
                "Message-ID": f"<digest-{partnership.pk}.{recipient.pk}.{rows[-1].pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>",
                "Auto-Submitted": "auto-generated",
            },
        )
        message.attach_alternative(render_to_string("emails/digest-body.html", context), "text/html")
        message.send()
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(sent_at=timezone.now())
    return len(rows)


def global_send_digests() -> int:
    """Send the weekly digest to everyone who has digest rows waiting, partnership by partnership."""
    with cross_partnership("weekly digests: waiting rows in every partnership"):
        pairs = list(
            Notification.objects.filter(
                channel=Channel.EMAIL, delivery=Delivery.DIGEST, sent_at__isnull=True, failed_at__isnull=True,
                partnership__is_active=True,
            )
            .values_list("partnership_id", "recipient_id")
            .distinct()
        )
        partnerships = Partnership.objects.in_bulk({p for p, _ in pairs})
        users = User.objects.in_bulk({u for _, u in pairs if u})
    sent = 0
    for partnership_id, user_id in pairs:
        if user_id not in users:
            continue
        partnership = partnerships[partnership_id]
        with scope(partnership=partnership):
            try:
                sent += send_digest(partnership=partnership, recipient=users[user_id])
            except Exception:
                logger.exception("Digest for user %s in partnership %s failed; next run retries.", user_id, partnership_id)
    return sent


def mark_read(*, notification: Notification, user: User) -> None:
    if notification.recipient_id != user.pk:
        raise PermissionError("That notification is not yours.")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def mark_all_read(*, partnership: Partnership, user: User) -> int:
    return Notification.objects.filter(
        partnership=partnership, recipient=user, channel=Channel.IN_APP, read_at__isnull=True
    ).update(read_at=timezone.now())


def set_preferences(*, user: User, choices: dict[str, str]) -> None:
    """Save the user's choice per configurable event; mandatory events are always sent straight away."""
    with transaction.atomic():
        for event_type, choice in choices.items():
            event = EVENTS[event_type]
            if event.mandatory:
                continue
            NotificationPreference.objects.update_or_create(
                user=user, event_type=event_type, defaults={"choice": Preference(choice)}
            )
