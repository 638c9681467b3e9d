"""Subject-access exports: what each kind of admin gets, never another partnership's rows, and the zip itself."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django_scopes import scope

from portal.audit.models import AuditEvent
from portal.errors import NotAllowed
from portal.privacy.export import export_member, global_export_person
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _unzip(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def _operator():
    return UserFactory(is_staff=True)


def test_an_operator_gets_everything_from_every_partnership(person, partnership, other_partnership):
    export = global_export_person(actor=_operator(), person=person.user)
    tables = export.tables
    assert tables["account"][0]["email"] == person.user.email
    assert {row["partnership_id"] for row in tables["memberships"]} == {partnership.pk, other_partnership.pk}
    assert [row["id"] for row in tables["system_leader_profiles"]] == [person.leader.pk]
    assert [row["id"] for row in tables["deployments"]] == [person.deployment.pk]
    assert [row["id"] for row in tables["visits"]] == [person.visit.pk]
    assert [row["id"] for row in tables["requests"]] == [person.request.pk]
    assert [row["id"] for row in tables["invitations"]] == [person.invitation.pk]  # matched by address, any case
    assert [row["urn"] for row in tables["schools_led"]] == ["110001"]
    assert [row["title"] for row in tables["notifications"]] == ["Sam Jones, you have an offer"]
    assert [row["email"] for row in tables["email_addresses"]] == [person.user.email]
    assert [row["type"] for row in tables["two_factor_methods"]] == ["totp"]  # the kind, never the secret
    actions = sorted(row["action"] for row in tables["audit_events"])
    # By them in both partnerships, and about their profile; not the admin's event about someone else.
    assert actions == ["leader.changed", "request.sent", "visit.logged"]


def test_a_partnership_admin_gets_only_their_partnerships_rows(person, partnership, other_partnership):
    membership = Membership.objects.get(partnership=partnership, user=person.user)
    with scope(partnership=partnership):
        export = export_member(actor=person.admin, membership=membership)
    every_row = [row for rows in export.tables.values() for row in rows]
    assert {row["partnership_id"] for row in every_row if "partnership_id" in row} == {partnership.pk}
    assert export.tables["requests"] == [] and export.tables["invitations"] == []  # the other partnership's
    assert export.tables["schools_led"] == []  # they lead a school only in the other partnership
    assert "email_addresses" not in export.tables and "notification_preferences" not in export.tables
    assert sorted(row["action"] for row in export.tables["audit_events"]) == ["leader.changed", "visit.logged"]
    assert set(export.tables["account"][0]) == {"id", "email", "name", "date_joined"}


def test_each_export_is_audited_where_its_data_comes_from(person, partnership, other_partnership):
    operator = _operator()
    global_export_person(actor=operator, person=person.user)
    events = AuditEvent.objects.filter(action="privacy.exported")
    assert sorted(events.values_list("partnership_id", flat=True)) == sorted([partnership.pk, other_partnership.pk])
    assert all(e.actor_id == operator.pk and e.object_id == str(person.user.pk) for e in events)
    assert events.first().new["tables"]["visits"] == 1
    membership = Membership.objects.get(partnership=partnership, user=person.user)
    with scope(partnership=partnership):
        export_member(actor=person.admin, membership=membership)
    assert AuditEvent.objects.filter(action="privacy.exported", partnership=partnership).count() == 2
    assert AuditEvent.objects.filter(action="privacy.exported", partnership=other_partnership).count() == 1


@pytest.mark.parametrize("who", ["other_admin", "broker", "person"])
def test_only_the_partnerships_own_admins_may_export_a_member(person, partnership, who):
    membership = Membership.objects.get(partnership=partnership, user=person.user)
    actor = {"other_admin": person.other_admin, "broker": person.broker,
             "person": Membership.objects.get(partnership=partnership, user=person.user)}[who]
    with pytest.raises(NotAllowed):
        export_member(actor=actor, membership=membership)
    assert not AuditEvent.objects.filter(action="privacy.exported").exists()


def test_only_platform_operators_may_export_from_every_partnership(person):
    with pytest.raises(NotAllowed):
        global_export_person(actor=person.admin.user, person=person.user)


def test_the_zip_holds_each_table_as_json_and_csv_with_formulas_neutralised(person):
    export = global_export_person(actor=_operator(), person=person.user)
    files = _unzip(export.zip_bytes())
    assert export.filename.startswith(f"personal-data-{person.user.pk}-") and export.filename.endswith(".zip")
    assert "README.txt" in files and "visits: 1 row" in files["README.txt"]
    for title, rows in export.tables.items():
        assert json.loads(files[f"{title}.json"]) == json.loads(json.dumps(rows, cls=DjangoJSONEncoder))
        if rows:
            table = list(csv.DictReader(io.StringIO(files[f"{title}.csv"])))
            assert len(table) == len(rows) and list(table[0]) == list(rows[0])
    visit = json.loads(files["visits.json"])[0]
    assert visit["focus"].startswith("=HYPERLINK")  # JSON keeps the exact value
    assert next(csv.DictReader(io.StringIO(files["visits.csv"])))["focus"].startswith("'=HYPERLINK")
    audit = json.loads(files["audit_events.json"])
    assert {"leader.changed", "visit.logged"} <= {row["action"] for row in audit}


def test_a_person_with_no_partnership_exports_their_account_only(settings):
    loner = UserFactory()
    export = global_export_person(actor=_operator(), person=loner)
    assert export.tables["account"][0]["id"] == loner.pk
    assert all(not rows for title, rows in export.tables.items() if title not in ("account", "email_addresses"))
    assert not AuditEvent.objects.exists()


def test_roles_other_than_admin_lack_the_capability():
    from portal.tenancy.roles import role_can

    assert [role for role in Role if role_can(role, "members.manage")] == [Role.ADMIN]
