"""The portal app's models live beside the code that uses them; this module gathers them for Django."""

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.calendar.models import CalendarPeriod, CalendarYear
from portal.notifications.models import Notification, NotificationPreference
from portal.sso.models import SignInProvider
from portal.tenancy.models import Invitation, Membership, Partnership, PartnershipOwned

__all__ = [
    "AuditEvent",
    "CalendarPeriod",
    "CalendarYear",
    "Invitation",
    "Membership",
    "Notification",
    "NotificationPreference",
    "Partnership",
    "PartnershipOwned",
    "SignInProvider",
    "User",
]
