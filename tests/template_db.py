"""The migrated test database, kept as a PostgreSQL template between runs.

Migrating a new test database takes 20 s or more per xdist worker (a minute and more on a loaded machine).
The first run that migrates one copies it to a template named after its migrations
(`test_<name>_tpl_<fingerprint>`); later runs create each worker's database from that template (about a
second) and let Django's `migrate` run over it as with `--reuse-db`, which applies anything missing and
runs the post-migrate steps (row-level security, grants, content types) again. The fingerprint covers every
migration of the project's apps, the locked requirements (third-party migrations) and the row-level security
module, so a changed migration gets a new template, and the stale ones are dropped.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections

ROOT = Path(__file__).resolve().parent.parent


def fingerprint() -> str:
    paths = []
    for app_config in apps.get_app_configs():
        app_path = Path(app_config.path).resolve()
        if ROOT in app_path.parents:
            paths += sorted((app_path / "migrations").glob("*.py"))
    paths += [ROOT / "requirements" / "test.txt", ROOT / "portal" / "tenancy" / "rls.py", Path(__file__)]
    digest = hashlib.sha256()
    for path in paths:
        if path.exists():
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


_names: dict[str, tuple[str, str]] = {}  # alias -> (the template, the templates' common prefix)


def _template_names(connection) -> tuple[str, str]:
    """Named after the database the settings name, before the test database replaces it there."""
    if connection.alias not in _names:
        prefix = f"test_{connection.settings_dict['NAME']}_tpl_"
        _names[connection.alias] = (prefix + fingerprint(), prefix)
    return _names[connection.alias]


def clone_from_template(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Create this worker's test database from the template, if there is one. True when done."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    test_name = connection.creation._get_test_db_name()
    template, _ = _template_names(connection)
    quote = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        if cursor.fetchone() is None:
            return False
        try:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(test_name)}")
            cursor.execute(f"CREATE DATABASE {quote(test_name)} TEMPLATE {quote(template)}")
        except Exception:  # noqa: BLE001 - a database in use, a template being replaced: migrate as usual
            return False
    return True


def save_as_template(using: str = DEFAULT_DB_ALIAS) -> None:
    """Copy this worker's freshly migrated test database to the template (one worker wins; the others find it
    there), and drop the templates of older migrations."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    test_name = connection.settings_dict["NAME"]  # the test database's, now that it is set up
    template, prefix = _template_names(connection)
    quote = connection.ops.quote_name
    connection.close()  # CREATE DATABASE ... TEMPLATE needs the source without sessions
    with connection._nodb_cursor() as cursor:
        try:
            cursor.execute(f"CREATE DATABASE {quote(template)} TEMPLATE {quote(test_name)}")
        except Exception:  # noqa: BLE001 - another worker made it first, or a session was still connected
            pass
        cursor.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s) AND datname <> %s",
                       [prefix, template])
        for (stale,) in cursor.fetchall():
            try:
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(stale)}")
            except Exception:  # noqa: BLE001 - another run is copying it right now; a later run drops it
                pass


def drop_test_database(using: str = DEFAULT_DB_ALIAS) -> None:
    """Drop this worker's test database, made from the template (pytest-django keeps those it did not create)."""
    connection = connections[using]
    test_name = connection.settings_dict["NAME"]
    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(test_name)}")
