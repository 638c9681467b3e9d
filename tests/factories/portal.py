"""The portal: partnerships, users, memberships (`make_member`), invitations, notifications, term dates."""

from __future__ import annotations

from datetime import date

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.utils import timezone

from portal.accounts.models import User
from portal.calendar.models import CalendarPeriod
from portal.notifications.models import Channel, Notification
from portal.tenancy.models import Invitation, Membership, Partnership, hash_token
from portal.tenancy.roles import MFA_REQUIRED_ROLES, Role
from tests.factories.base import TenantFactory

PASSWORD = "correct-horse-battery-staple"


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Partnership {n}")
    slug = factory.Sequence(lambda n: f"partnership-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@school{n}.example.org")
    name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})


def give_mfa(user: User) -> Authenticator:
    """A TOTP authenticator row: enough for the 'has two-factor' rule; e2e tests set up a real one."""
    return Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "unused"})


def make_member(partnership: Partnership, role: str, *, user: User | None = None, mfa: bool | None = None) -> Membership:
    user = user or UserFactory()
    membership = Membership.objects.create(partnership=partnership, user=user, role=Role(role))
    if mfa if mfa is not None else role in MFA_REQUIRED_ROLES:
        if not Authenticator.objects.filter(user=user).exists():
            give_mfa(user)
    return membership


def make_invitation(partnership: Partnership, *, email: str = "newcomer@school.example.org", role=Role.BROKER,
                    token: str = "t" * 43, invited_by=None, expires_in_days: int = 14, **extra) -> Invitation:
    return Invitation.objects.create(
        partnership=partnership, email=email, role=role, token_hash=hash_token(token), invited_by=invited_by,
        expires_at=timezone.now() + timezone.timedelta(days=expires_in_days), **extra,
    )


class NotificationFactory(TenantFactory):
    """An in-app notification to `recipient`; pass the partnership it belongs to."""

    class Meta:
        model = Notification

    partnership = factory.SubFactory(PartnershipFactory)
    recipient = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.recipient.email if o.recipient else "someone@example.org")
    channel = Channel.IN_APP
    event_type = "membership.joined"
    dedupe_key = factory.Sequence(lambda n: f"factory-{n}")
    title = factory.Sequence(lambda n: f"Notification {n}")
    link = "/"


class CalendarPeriodFactory(TenantFactory):
    """The autumn term 2026."""

    class Meta:
        model = CalendarPeriod

    partnership = factory.SubFactory(PartnershipFactory)
    academic_year = "2026-27"
    kind = "term"
    term = "autumn"
    name = "Autumn term"
    start = date(2026, 9, 3)
    end = date(2026, 12, 18)
