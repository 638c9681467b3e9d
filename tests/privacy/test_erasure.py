"""Erasure: a pseudonym everywhere the person is named, the records keep their shape, the account is closed."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.db import InternalError, connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Cast

from alliances.models import SystemLeader
from deployments.models import Deployment, SupportRequest, Visit
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.audit.paths import erasing
from portal.errors import Conflict, DomainError, NotAllowed
from portal.notifications.models import Notification
from portal.privacy.erasure import global_erase_person
from portal.tenancy.models import Invitation, Membership
from tests.conftest import require
from tests.factories import PASSWORD, UserFactory
from tests.privacy.conftest import EMAIL
from tests.tenancy.test_races import race

IDENTIFIERS = ("Sam Jones", "Samantha Jones", EMAIL)


def _shape():
    """What the partnerships' figures are made of: row counts and dates, untouched by erasure."""
    return (
        list(Visit.objects.order_by("pk").values_list("pk", "visit_date", "status", "created_at")),
        list(Deployment.objects.order_by("pk").values_list("pk", "status", "proposed_at", "updated_at")),
        list(SupportRequest.objects.order_by("pk").values_list("pk", "status", "created_at", "updated_at")),
        list(SystemLeader.objects.order_by("pk").values_list("pk", "designation", "designated_on", "updated_at")),
        list(Membership.objects.order_by("pk").values_list("pk", "partnership_id", "role")),
        list(Notification.objects.order_by("pk").values_list("pk", "created_at", "event_type")),
    )


def _audit_shape():
    return list(AuditEvent.objects.exclude(action="privacy.erased").order_by("pk").values_list(
        "pk", "partnership_id", "created_at", "action", "object_type_id", "object_id", "actor_id"))


def _still_named() -> list[str]:
    """Every text and JSON value in every table that still names the person (whole words, any case)."""
    patterns = [re.compile(rf"(?<!\w){re.escape(i)}(?!\w)", re.IGNORECASE) for i in IDENTIFIERS]
    found = []
    for model in apps.get_models():
        if model._meta.db_table == "django_session":
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField | models.JSONField):
                continue
            rows = model._base_manager.annotate(_text=Cast(field.attname, models.TextField()))
            condition = Q(pk__in=[])
            for identifier in IDENTIFIERS:
                condition |= Q(_text__icontains=identifier)
            for pk, text in rows.filter(condition).values_list("pk", "_text"):
                if any(p.search(text) for p in patterns):
                    found.append(f"{model._meta.label}.{field.name} #{pk}: {text[:80]}")
    return found


@pytest.fixture
def operator():
    return UserFactory(is_staff=True)


@pytest.mark.django_db
def test_erasure_leaves_no_copy_of_their_name_or_address_anywhere(person, operator):
    assert len(_still_named()) > 10  # the fixture names them in many places
    erasure = global_erase_person(actor=operator, person=person.user)
    assert _still_named() == []
    assert re.fullmatch(r"Erased person [0-9A-F]{4}", erasure.pseudonym)
    leader = SystemLeader.objects.get(pk=person.leader.pk)
    assert (leader.name, leader.email, leader.phone) == (erasure.pseudonym, erasure.address, "")
    assert leader.conflicts == f"{erasure.pseudonym}'s sister teaches at Impington."
    assert leader.release_consent_by == "Pat Head"  # someone else's name stays
    visit = Visit.objects.get(pk=person.visit.pk)
    assert visit.notes == f"Met {erasure.pseudonym} ({erasure.address}) and the head."
    summary = Deployment.objects.get(pk=person.deployment.pk).closing_summary
    assert summary == f"{erasure.pseudonym} did well; Sam Joneson helped."  # whole words only
    context = Notification.objects.get(title__endswith="accepted the offer").context
    assert context == {"leader": erasure.pseudonym, "note": f"from {erasure.pseudonym}"}


@pytest.mark.django_db
def test_the_records_keep_their_shape_for_the_figures(person, operator):
    before, audit_before = _shape(), _audit_shape()
    global_erase_person(actor=operator, person=person.user)
    assert _shape() == before
    assert _audit_shape() == audit_before


@pytest.mark.django_db
def test_the_audit_log_names_the_pseudonym_and_records_the_erasure(person, operator, partnership, other_partnership):
    erasure = global_erase_person(actor=operator, person=person.user)
    logged = AuditEvent.objects.get(action="visit.logged")
    assert (logged.actor_id, logged.actor_label, logged.note) == (person.user.pk, erasure.pseudonym,
                                                                  f"Logged by {erasure.pseudonym}.")
    changed = AuditEvent.objects.get(action="leader.changed")
    assert changed.old == {"name": erasure.pseudonym} and changed.new["name"] == erasure.pseudonym
    assert changed.object_repr.startswith(erasure.pseudonym)
    erased = AuditEvent.objects.filter(action="privacy.erased")
    assert sorted(erased.values_list("partnership_id", flat=True)) == sorted([partnership.pk, other_partnership.pk])
    event = erased.get(partnership=partnership)
    assert event.actor_id == operator.pk and event.new["pseudonym"] == erasure.pseudonym
    assert event.new["changed"]["system_leader_profiles"] == 1 and event.new["changed"]["audit_events"] >= 3


@pytest.mark.django_db
def test_after_erasure_they_cannot_sign_in_and_nothing_more_is_sent_to_them(client, person, operator):
    assert client.login(email=EMAIL, password=PASSWORD)
    client.logout()
    erasure = global_erase_person(actor=operator, person=person.user)
    user = User.objects.get(pk=person.user.pk)
    assert not user.is_active and not user.has_usable_password() and user.email == erasure.address
    assert not EmailAddress.objects.filter(user=user).exists() and not Authenticator.objects.filter(user=user).exists()
    assert not client.login(email=EMAIL, password=PASSWORD)
    assert not Membership.objects.filter(user=user, is_active=True).exists()
    unsent = Notification.objects.get(recipient=user, title__endswith="you have an offer")
    assert unsent.failed_at is not None and unsent.email == erasure.address
    invitation = Invitation.objects.get(pk=person.invitation.pk)
    assert invitation.email == erasure.address and invitation.revoked_at is not None


@pytest.mark.django_db
def test_a_signed_in_session_ends(client, person, operator):
    client.force_login(person.user)
    slug = Membership.objects.filter(user=person.user).first().partnership.slug
    assert client.get(f"/p/{slug}/notifications/").status_code == 200
    global_erase_person(actor=operator, person=person.user)
    assert client.get(f"/p/{slug}/notifications/").status_code == 302  # back to sign in


@pytest.mark.django_db
def test_only_operators_may_erase_and_never_themselves_or_twice(person, operator):
    with pytest.raises(NotAllowed):
        global_erase_person(actor=person.admin.user, person=person.user)
    with pytest.raises(DomainError, match="your own account"):
        global_erase_person(actor=operator, person=operator)
    global_erase_person(actor=operator, person=person.user)
    with pytest.raises(Conflict, match="already been erased"):
        global_erase_person(actor=operator, person=person.user)
    assert AuditEvent.objects.filter(action="privacy.erased").count() == 2  # one per partnership, once


@pytest.mark.django_db
def test_the_trigger_lets_erasure_change_texts_only(person):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    event = AuditEvent.objects.get(action="visit.logged")
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        AuditEvent._base_manager.filter(pk=event.pk).update(note="changed")  # no erasure path named
    with pytest.raises(InternalError, match="append-only"), transaction.atomic(), erasing():
        AuditEvent._base_manager.filter(pk=event.pk).update(action="visit.deleted")
    with pytest.raises(InternalError, match="append-only"), transaction.atomic(), erasing():
        AuditEvent._base_manager.filter(pk=event.pk).update(created_at=event.created_at.replace(year=2020))
    with pytest.raises(InternalError, match="append-only"), transaction.atomic(), erasing():
        AuditEvent._base_manager.filter(pk=event.pk).delete()
    with transaction.atomic(), erasing():
        assert AuditEvent._base_manager.filter(pk=event.pk).update(note="Logged by someone.") == 1
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        AuditEvent._base_manager.filter(pk=event.pk).update(note="again")  # the path ended with its block


@pytest.mark.django_db(transaction=True)
def test_two_operators_erasing_at_once_erase_once(person, partnership):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    first, second = UserFactory(is_staff=True), UserFactory(is_staff=True)
    results, errors = race(lambda: global_erase_person(actor=first, person=person.user),
                           lambda: global_erase_person(actor=second, person=person.user))
    assert len(results) == 1 and [type(e) for e in errors] == [Conflict]
    assert AuditEvent.objects.filter(action="privacy.erased", partnership=partnership).count() == 1
