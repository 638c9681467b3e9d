"""The backup runbook (docs/backup-and-restore.md), run for real: pg_dump the test database full of demo data,
restore it into a fresh database, and the portal runs on the copy with every row and the audit trail intact."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from tests.conftest import require

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def _libpq(name: str) -> dict:
    db = connection.settings_dict
    return {"dbname": name, "user": db["USER"], "host": db["HOST"] or "127.0.0.1", "port": str(db["PORT"] or 5432),
            **({"password": db["PASSWORD"]} if db["PASSWORD"] else {})}


def _url(name: str) -> str:
    db = connection.settings_dict
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _client_env(name: str) -> dict:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update({"PGHOST": db["HOST"] or "127.0.0.1", "PGPORT": str(db["PORT"] or 5432), "PGUSER": db["USER"],
                "DATABASE_URL": _url(name), "DEBUG": "true", "MFA_EXEMPT_DEMO_USERS": "true"})
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _manage(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_client_env(name), capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def restored_name():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    require(shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None, "pg_dump and pg_restore")
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = psycopg2.connect(**_libpq("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


SIGN_IN_AND_READ = """
from django.test import Client
from django_scopes import scopes_disabled
from portal.accounts.models import User
from portal.tenancy.models import Partnership
client = Client()
assert client.get("/healthz").status_code == 200
# Signed in without the password: the tests hash passwords with a fast hasher this process does not have.
client.force_login(User.objects.get(email="broker@demo.s2s.example"))
home = client.get("/", follow=True)
assert home.status_code == 200, home.status_code
with scopes_disabled():
    slug = Partnership.objects.get(slug="cambridgeshire").slug
page = client.get(f"/p/{slug}/", follow=True)
assert page.status_code == 200 and b"Cambridgeshire" in page.content, page.status_code
print("pages ok")
"""


def test_a_dump_restored_into_a_fresh_database_has_every_row_and_the_audit_trail(tmp_path, settings, restored_name):
    settings.MFA_EXEMPT_DEMO_USERS = True
    call_command("seed_demo", "--quiet-sign-ins")
    source = connection.settings_dict["NAME"]
    before = io.StringIO()
    call_command("backup_report", stdout=before)
    report = json.loads(before.getvalue())
    assert report["audit"]["events"] > 50 and report["audit"]["append_only_trigger"] is True
    assert report["models"]["portal.Notification"] > 0 and report["tables"]["portal_auditevent"] > 50
    (tmp_path / "before.json").write_text(before.getvalue(), encoding="utf-8")

    # The runbook's commands.
    dump = tmp_path / "portal.dump"
    env = _client_env(source)
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}", source],
                   env=env, check=True, timeout=300)
    subprocess.run(["createdb", restored_name], env=env, check=True, timeout=60)
    subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                    f"--dbname={restored_name}", str(dump)], env=env, check=True, timeout=300)

    checked = _manage(restored_name, "backup_report", "--compare", str(tmp_path / "before.json"))
    assert checked.returncode == 0, checked.stderr
    assert f"{report['audit']['events']} audit events" in checked.stdout
    migrations = _manage(restored_name, "migrate", "--check")
    assert migrations.returncode == 0, migrations.stdout + migrations.stderr
    pages = _manage(restored_name, "shell", "-c", SIGN_IN_AND_READ)
    assert pages.returncode == 0 and "pages ok" in pages.stdout, pages.stdout + pages.stderr

    # The restored audit trail is still append-only, and the check does see a lost row.
    copy = psycopg2.connect(**_libpq(restored_name))
    try:
        with copy.cursor() as cursor:
            with pytest.raises(psycopg2.Error, match="append-only"):
                cursor.execute("UPDATE portal_auditevent SET note = 'edited'")
        copy.rollback()
        with copy.cursor() as cursor:
            cursor.execute("DELETE FROM portal_notification WHERE id = (SELECT min(id) FROM portal_notification)")
        copy.commit()
    finally:
        copy.close()
    lost = _manage(restored_name, "backup_report", "--compare", str(tmp_path / "before.json"))
    assert lost.returncode == 1
    assert "tables.portal_notification: expected" in lost.stderr and "models.portal.Notification" in lost.stderr
