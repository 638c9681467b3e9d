from __future__ import annotations

from django.db.models import QuerySet

from portal import kept
from portal.accounts.models import User
from portal.notifications.events import configurable_events
from portal.notifications.models import Channel, Notification, NotificationPreference, Preference
from portal.queues import Total
from portal.tenancy.models import Partnership


def notifications_for(*, partnership: Partnership, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(partnership=partnership, recipient=user, channel=Channel.IN_APP)


def unread(*, partnership: Partnership, user: User) -> QuerySet[Notification]:
    return notifications_for(partnership=partnership, user=user).filter(read_at__isnull=True)


def unread_count(*, partnership: Partnership, user: User) -> int:
    return unread(partnership=partnership, user=user).count()


def latest_and_unread(*, partnership: Partnership, user: User, shown: int) -> tuple[list[Notification], int]:
    """The member's latest `shown` notifications and `unread_count`, in one query (with none, none is unread); its
    statement is built once for the partnership, the user and `shown`, then only run (`portal.kept`)."""
    def build() -> QuerySet[Notification]:
        mine = notifications_for(partnership=partnership, user=user)
        return mine.annotate(unread_total=Total(unread(partnership=partnership, user=user)))[:shown]

    latest = kept.rows(("notifications.latest_and_unread", partnership.pk, user.pk, shown), build)
    return latest, (latest[0].unread_total if latest else 0)


def preference_choices(*, user: User) -> dict[str, str]:
    saved = dict(NotificationPreference.objects.filter(user=user).values_list("event_type", "choice"))
    return {event.key: saved.get(event.key, Preference.IMMEDIATE) for event in configurable_events()}
