from __future__ import annotations

from django.db.models import QuerySet

from portal.accounts.models import User
from portal.notifications.events import configurable_events
from portal.notifications.models import Channel, Notification, NotificationPreference, Preference
from portal.tenancy.models import Partnership


def notifications_for(*, partnership: Partnership, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(partnership=partnership, recipient=user, channel=Channel.IN_APP)


def unread_count(*, partnership: Partnership, user: User) -> int:
    return notifications_for(partnership=partnership, user=user).filter(read_at__isnull=True).count()


def preference_choices(*, user: User) -> dict[str, str]:
    saved = dict(NotificationPreference.objects.filter(user=user).values_list("event_type", "choice"))
    return {event.key: saved.get(event.key, Preference.IMMEDIATE) for event in configurable_events()}
