"""Erasure: a person's name and contact details replaced by a pseudonym in every partnership and the audit log.

Platform operators only (`global_erase_person` crosses partnerships): an account is one person across every
partnership they belong to, so only the platform can erase it everywhere at once. The records keep their shape
(rows, counts, dates, statuses) for the partnerships' statistics; the account can no longer sign in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.audit.paths import erasing
from portal.audit.services import record_event
from portal.errors import Conflict, DomainError, NotAllowed
from portal.notifications.models import SENT_BY_WORKERS, Notification
from portal.privacy.export import person_filter
from portal.privacy.pseudonyms import Replacer, is_erased, new_pseudonym
from portal.privacy.registry import PersonalData, personal_data
from portal.tenancy.models import Invitation, Membership, Partnership
from portal.tenancy.rls import cross_partnership

AUDIT_TEXTS = ("actor_label", "object_repr", "note", "old", "new")


@dataclass
class Erasure:
    person: User
    pseudonym: str
    address: str
    changed: dict[str, int] = field(default_factory=dict)  # table -> rows changed
    partnership_ids: set[int] = field(default_factory=set)


def global_erase_person(*, actor: User, person: User) -> Erasure:
    """Erase `person` everywhere (crosses partnerships). Guard: the actor is a platform operator and not the
    person; a person already erased is refused. Side effects: one transaction that pseudonymises every declared
    table and the audit log (through the trigger's erasure path), stops their unsent notifications, closes the
    account and its sessions, and records a `privacy.erased` audit event in each partnership it touched."""
    if not actor.is_staff:
        raise NotAllowed("Only platform operators can erase a person's data.")
    if actor.pk == person.pk:
        raise DomainError("You cannot erase your own account. Ask another platform operator.")
    with transaction.atomic(), cross_partnership("erasing a person in every partnership"):
        person = User.objects.select_for_update().get(pk=person.pk)  # a second erasure at once waits, then stops
        if is_erased(person):
            raise Conflict("This person's data has already been erased.")
        name, address = new_pseudonym(lambda n, a: User.objects.filter(Q(name=n) | Q(email__iexact=a)).exists())
        erasure = Erasure(person=person, pseudonym=name, address=address)
        erasure.partnership_ids |= set(Membership.objects.filter(user=person).values_list("partnership_id", flat=True))
        replacer = Replacer(email=person.email, names=_names(person), pseudonym=name, address=address)
        _stop_unsent_notifications(person, erasure)
        for declaration in personal_data():
            _erase_declared(declaration, person, replacer, erasure)
        _erase_audit_events(person, replacer, erasure)
        _close_account(person, erasure)
        for partnership in Partnership.objects.filter(pk__in=erasure.partnership_ids).order_by("pk"):
            record_event(partnership=partnership, action="privacy.erased", actor=actor, obj=person,
                         new={"pseudonym": name, "changed": erasure.changed})
    return erasure


def _names(person: User) -> list[str]:
    """The person's names: their account's, and any their rows hold (a system leader profile's name)."""
    names = [person.name]
    for declaration in personal_data():
        for field_name in declaration.names:
            rows = declaration.model_class._base_manager.filter(person_filter(declaration, person))
            names += [value for value in rows.values_list(field_name, flat=True) if value]
    return names


def _count(erasure: Erasure, table: str, rows: int) -> None:
    if rows:
        erasure.changed[table] = erasure.changed.get(table, 0) + rows


def _erase_declared(declaration: PersonalData, person: User, replacer: Replacer, erasure: Erasure) -> None:
    model = declaration.model_class
    table = declaration.title or model._meta.verbose_name_plural.lower()
    tenant = any(f.name == "partnership" for f in model._meta.concrete_fields)
    changes: dict[int, dict] = {}
    partnership_of: dict[int, int] = {}
    if declaration.names or declaration.contacts or declaration.emails:
        for row in model._base_manager.filter(person_filter(declaration, person)).select_for_update(of=("self",)):
            update = {f: erasure.pseudonym for f in declaration.names if getattr(row, f)}
            update |= {f: "" for f in declaration.contacts}
            update |= {f: erasure.address for f in declaration.emails if getattr(row, f).lower() == person.email.lower()}
            changes[row.pk] = update
            partnership_of[row.pk] = row.partnership_id if tenant else None
    if declaration.free_text:
        # Locked until the erasure commits, so an edit at the same time neither is lost nor brings the name back.
        for row in replacer.mentions(model._base_manager.all(), declaration.free_text).select_for_update(of=("self",)):
            update = changes.setdefault(row.pk, {})
            for f in declaration.free_text:
                original = update.get(f, getattr(row, f))
                replaced = replacer.value(original)
                if replaced != original:
                    update[f] = replaced
            partnership_of[row.pk] = row.partnership_id if tenant else None
    for pk, update in changes.items():
        if update:
            # update(), not save(): auto_now dates stay as they were, so the record keeps its history.
            model._base_manager.filter(pk=pk).update(**update)
            _count(erasure, table, 1)
            if partnership_of.get(pk) is not None:
                erasure.partnership_ids.add(partnership_of[pk])


def _erase_audit_events(person: User, replacer: Replacer, erasure: Erasure) -> None:
    """Through the trigger's one erasure path: only the texts change, never an event's time, action or object."""
    events = replacer.mentions(AuditEvent._base_manager.all(), AUDIT_TEXTS, also=Q(actor_id=person.pk))
    with erasing():
        for event in events.order_by("pk").select_for_update(of=("self",)):
            ours = event.actor_id == person.pk or event.actor_label.lower() == person.email.lower()
            update = {"actor_label": erasure.pseudonym if ours else replacer.text(event.actor_label),
                      "object_repr": replacer.text(event.object_repr)[:200], "note": replacer.text(event.note),
                      "old": replacer.value(event.old), "new": replacer.value(event.new)}
            update = {key: value for key, value in update.items() if value != getattr(event, key)}
            if update:
                AuditEvent._base_manager.filter(pk=event.pk).update(**update)
                _count(erasure, "audit_events", 1)
                erasure.partnership_ids.add(event.partnership_id)


def _stop_unsent_notifications(person: User, erasure: Erasure) -> None:
    """Nothing more is emailed or texted to them: their unsent emails and text messages are marked failed (kept,
    for the counts)."""
    stopped = Notification._base_manager.filter(
        Q(recipient=person) | Q(email__iexact=person.email), channel__in=SENT_BY_WORKERS, sent_at__isnull=True,
        failed_at__isnull=True
    ).update(failed_at=timezone.now(), last_error="Not sent: the recipient's personal data was erased.")
    _count(erasure, "notifications_stopped", stopped)


def _close_account(person: User, erasure: Erasure) -> None:
    """The account keeps its id (the records point at it) but can never sign in again: no address, no password,
    no second factor, inactive, every session ended; its memberships end and invitations to it are withdrawn."""
    now = timezone.now()
    EmailAddress.objects.filter(user=person).delete()
    Authenticator.objects.filter(user=person).delete()
    SocialAccount.objects.filter(user=person).delete()  # no single sign-on into it either (its claims go too)
    _count(erasure, "memberships_ended", Membership._base_manager.filter(user=person, is_active=True).update(
        is_active=False, deactivated_at=now))
    _count(erasure, "invitations_withdrawn", Invitation._base_manager.filter(
        email=erasure.address, accepted_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now))
    person.name = erasure.pseudonym
    person.email = erasure.address
    person.set_unusable_password()
    person.is_active = False
    person.session_generation += 1  # every session of the account ends (User._get_session_auth_hash)
    person.mobile_number, person.sms_opted_in_at = "", None
    person.save(update_fields=["name", "email", "password", "is_active", "session_generation", "mobile_number",
                               "sms_opted_in_at"])
