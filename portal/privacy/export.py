"""Subject-access exports: everything held about one person, as a zip of JSON and CSV files.

A partnership admin exports what their partnership holds (`export_member`, inside its scope); a platform operator
exports what every partnership and the platform hold (`global_export_person`, across partnerships). Each export
is an audit event in every partnership whose data it includes.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.audit.services import record_event
from portal.errors import NotAllowed
from portal.privacy.registry import PersonalData, personal_data
from portal.tenancy.models import Membership, Partnership
from portal.tenancy.rls import cross_partnership
from portal.ui.csv_export import csv_text, safe_cell

logger = logging.getLogger(__name__)

Table = list[dict]


@dataclass
class Export:
    person: User
    tables: dict[str, Table]
    scope: str  # "one partnership" or "every partnership and the platform"

    @property
    def filename(self) -> str:
        return f"personal-data-{self.person.pk}-{timezone.localdate():%Y-%m-%d}.zip"

    def counts(self) -> dict[str, int]:
        return {title: len(rows) for title, rows in self.tables.items()}

    def zip_bytes(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.txt", _readme(self))
            for title, rows in self.tables.items():
                archive.writestr(f"{title}.json", json.dumps(rows, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
                archive.writestr(f"{title}.csv", _csv(rows))
        return buffer.getvalue()


def person_filter(declaration: PersonalData, person: User) -> Q:
    """The rows of a declared model that are the person's: a user path is theirs, or an email field holds their
    address."""
    condition = Q(pk__in=[])
    for path in declaration.people:
        condition |= Q(**{f"{path}_id" if "__" not in path else f"{path}__pk": person.pk})
    for field in declaration.emails:
        condition |= Q(**{f"{field}__iexact": person.email})
    return condition


def _columns(model: type[models.Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields if not isinstance(field, models.BinaryField)]


def _rows(declaration: PersonalData, person: User, partnership: Partnership | None) -> models.QuerySet:
    model = declaration.model_class
    queryset = model._base_manager.filter(person_filter(declaration, person))
    if partnership is not None:
        queryset = queryset.filter(partnership=partnership)
    return queryset.order_by("pk").values(*_columns(model))


def _audit_events(person: User, about: dict[type, list[int]], partnership: Partnership | None) -> Table:
    """Events by the person (as actor, or under their address) and about them (their account and the rows that
    are about them, such as their memberships and system leader profiles)."""
    condition = Q(actor_id=person.pk) | Q(actor_label__iexact=person.email)
    condition |= Q(object_type=ContentType.objects.get_for_model(User), object_id=str(person.pk))
    for model, ids in about.items():
        if ids:
            condition |= Q(object_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in ids])
    events = AuditEvent._base_manager.filter(condition)
    if partnership is not None:
        events = events.filter(partnership=partnership)
    return [
        {"id": event.pk, "partnership_id": event.partnership_id, "created_at": event.created_at,
         "actor_id": event.actor_id, "actor_label": event.actor_label, "action": event.action,
         "object_type": f"{event.object_type.app_label}.{event.object_type.model}" if event.object_type else "",
         "object_id": event.object_id, "object_repr": event.object_repr, "old": event.old, "new": event.new,
         "note": event.note}
        for event in events.select_related("object_type").order_by("created_at", "pk")
    ]


def _account(person: User, *, platform: bool) -> Table:
    row = {"id": person.pk, "email": person.email, "name": person.name, "date_joined": person.date_joined}
    if platform:
        row |= {"is_active": person.is_active, "is_staff": person.is_staff, "last_login": person.last_login,
                "mobile_number": person.mobile_number, "text_reminders_agreed_on": person.sms_opted_in_at}
    return [row]


def _platform_tables(person: User) -> dict[str, Table]:
    """What the platform holds about the account itself: its addresses and the kinds of second factor set up
    (never the secrets)."""
    return {
        "email_addresses": list(EmailAddress.objects.filter(user=person).order_by("pk")
                                .values("id", "email", "verified", "primary")),
        "two_factor_methods": list(Authenticator.objects.filter(user=person).order_by("pk")
                                   .values("id", "type", "created_at", "last_used_at")),
        "single_sign_on": list(SocialAccount.objects.filter(user=person).order_by("pk")
                               .values("id", "provider", "uid", "date_joined", "last_login", "extra_data")),
    }


def _schools_led(person: User, partnership: Partnership | None) -> Table:
    links = Membership.schools.through.objects.filter(membership__user=person)
    if partnership is not None:
        links = links.filter(membership__partnership=partnership)
    return list(links.order_by("membership__partnership_id", "school__name").values(
        partnership_id=models.F("membership__partnership_id"), urn=models.F("school__urn"),
        school_name=models.F("school__name")))


def collect(person: User, *, partnership: Partnership | None) -> Export:
    """Every table held about `person`: in one partnership, or (None) everywhere. Reads only."""
    platform = partnership is None
    tables: dict[str, Table] = {"account": _account(person, platform=platform)}
    if platform:
        tables |= _platform_tables(person)
    tables["schools_led"] = _schools_led(person, partnership)
    about: dict[type, list[int]] = {}
    for declaration in personal_data():
        if not declaration.title or (declaration.global_rows and not platform):
            continue
        rows = list(_rows(declaration, person, None if declaration.global_rows else partnership))
        tables.setdefault(declaration.title, []).extend(rows)
        if declaration.subject:
            about.setdefault(declaration.model_class, []).extend(row["id"] for row in rows)
    tables["audit_events"] = _audit_events(person, about, partnership)
    return Export(person=person, tables=tables,
                  scope="every partnership and the platform" if platform else f"the partnership {partnership}")


def _partnerships_in(export: Export) -> set[int]:
    return {row["partnership_id"] for rows in export.tables.values() for row in rows
            if row.get("partnership_id") is not None}


def _audit(export: Export, *, actor: User, partnership_ids: set[int]) -> None:
    for partnership in Partnership.objects.filter(pk__in=partnership_ids).order_by("pk"):
        record_event(partnership=partnership, action="privacy.exported", actor=actor, obj=export.person,
                     new={"scope": export.scope, "tables": export.counts()})
    if not partnership_ids:
        logger.info("Subject-access export of user %s by %s: no partnership holds data about them.",
                    export.person.pk, actor.pk)


@transaction.atomic
def export_member(*, actor: Membership, membership: Membership) -> Export:
    """A partnership admin's export of what their partnership holds about one of its (past) members.

    Guard: the actor manages members of the partnership the membership belongs to; nothing from another
    partnership or the platform is included. Side effect: an audit event in the partnership."""
    if not actor.can("members.manage") or membership.partnership_id != actor.partnership_id:
        raise NotAllowed("Only the partnership's admins can download what it holds about a member.")
    export = collect(membership.user, partnership=actor.partnership)
    _audit(export, actor=actor.user, partnership_ids={actor.partnership_id})
    return export


@transaction.atomic
def global_export_person(*, actor: User, person: User) -> Export:
    """A platform operator's export of everything held about a person, in every partnership (crosses tenants).

    Guard: the actor is platform staff. Side effect: an audit event in each partnership whose data it includes."""
    if not actor.is_staff:
        raise NotAllowed("Only platform operators can download what every partnership holds about a person.")
    with cross_partnership("a platform operator's subject-access export"):
        export = collect(person, partnership=None)
        _audit(export, actor=actor, partnership_ids=_partnerships_in(export))
    return export


def _csv(rows: Table) -> str:
    if not rows:
        return ""
    header = list(rows[0])
    return csv_text(header, ([_csv_value(row.get(column)) for column in header] for row in rows))


def _csv_value(value) -> str:
    if isinstance(value, dict | list):
        return safe_cell(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return safe_cell(value)


def _readme(export: Export) -> str:
    lines = [
        f"Everything the school-to-school support portal holds about user {export.person.pk}, from {export.scope}.",
        f"Made on {timezone.now().isoformat(timespec='seconds')}.",
        "",
        "Each table is here twice: as JSON (exact values) and as CSV (for a spreadsheet). Ids link the tables:",
        "partnership_id is the partnership a row belongs to, *_id columns name users and other rows.",
        "",
    ]
    lines += [f"{title}: {count} row{'s' if count != 1 else ''}" for title, count in export.counts().items()]
    return "\n".join(lines) + "\n"
