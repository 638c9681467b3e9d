"""What a database holds, to compare a restored backup with its source (docs/backup-and-restore.md).

    manage.py backup_report > before.json                  # on the source, when the dump is taken
    manage.py backup_report --compare before.json          # on the restored copy: exit 1 on any difference

The report counts the rows of every table (the portal's models through the ORM, and every table in the
database, link tables and Django's own included), fingerprints the audit trail (a SHA-256 over every event in
order), and says whether the append-only trigger on audit events is in place.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from portal.audit.models import AuditEvent
from portal.tenancy.rls import cross_partnership

AUDIT_FIELDS = ["id", "partnership_id", "created_at", "actor_id", "actor_label", "action", "object_type_id",
                "object_id", "object_repr", "old", "new", "note"]


def audit_fingerprint() -> dict:
    digest = hashlib.sha256()
    count = 0
    with cross_partnership("backup report: every audit event"):
        for row in AuditEvent.objects.order_by("id").values_list(*AUDIT_FIELDS).iterator(chunk_size=2000):
            digest.update(json.dumps(row, cls=DjangoJSONEncoder, sort_keys=True).encode())
            digest.update(b"\n")
            count += 1
    return {"events": count, "sha256": digest.hexdigest(), "append_only_trigger": _trigger_present()}


def _trigger_present() -> bool | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'portal_auditevent_append_only' "
                       "AND NOT tgisinternal AND tgenabled <> 'D'")
        return cursor.fetchone()[0] == 1


def model_counts() -> dict[str, int]:
    counts = {}
    with cross_partnership("backup report: every table's rows"):
        for model in apps.get_models():
            if model._meta.managed and not model._meta.proxy:
                counts[model._meta.label] = model._base_manager.count()
    return dict(sorted(counts.items()))


def table_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def report() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations")
        migrations = cursor.fetchone()[0]
    return {"migrations": migrations, "models": model_counts(), "tables": table_counts(), "audit": audit_fingerprint()}


def differences(expected: dict, actual: dict, path: str = "") -> list[str]:
    found = []
    for key in sorted(set(expected) | set(actual)):
        where = f"{path}{key}"
        if key not in actual:
            found.append(f"{where}: missing (expected {expected[key]!r})")
        elif key not in expected:
            found.append(f"{where}: unexpected ({actual[key]!r})")
        elif isinstance(expected[key], dict) and isinstance(actual[key], dict):
            found.extend(differences(expected[key], actual[key], f"{where}."))
        elif expected[key] != actual[key]:
            found.append(f"{where}: expected {expected[key]!r}, found {actual[key]!r}")
    return found


class Command(BaseCommand):
    help = "Row counts of every table and a fingerprint of the audit trail, to check a restored backup."

    def add_arguments(self, parser):
        parser.add_argument("--compare", metavar="REPORT.json",
                            help="a report taken on the source; exit 1 and list every difference")

    def handle(self, *args, compare=None, **options):
        current = report()
        if not compare:
            self.stdout.write(json.dumps(current, indent=2, sort_keys=True))
            return
        try:
            expected = json.loads(Path(compare).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the report {compare}: {error}") from None
        found = differences(expected, current)
        if current["audit"]["append_only_trigger"] is False:
            found.append("audit.append_only_trigger: the trigger refusing UPDATE and DELETE on audit events is missing")
        if found:
            raise CommandError("The restored database differs from the report:\n" + "\n".join(found))
        self.stdout.write(f"Identical: {sum(current['tables'].values())} rows in {len(current['tables'])} tables, "
                          f"{current['audit']['events']} audit events (sha256 {current['audit']['sha256'][:12]}…), "
                          "the append-only trigger in place.")
