"""The application role for tenant row-level security (portal/tenancy/rls.py).

Creates the NOLOGIN role the application's queries run as (when the migrating role may create roles; in
production the DBA may create it instead, see the README) and lets the migrating role assume it. The
policies themselves are installed by `rls.install` after every migrate (post_migrate), so that every
PartnershipOwned table, including ones added by later migrations of any app, is covered.
"""

from django.db import migrations


def create_role(apps, schema_editor):
    connection = schema_editor.connection
    role = getattr(connection, "rls_role", "")
    if connection.vendor != "postgresql" or not role:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = session_user")
        superuser, createrole = cursor.fetchone()
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        exists = cursor.fetchone() is not None
        if not exists and (superuser or createrole):
            # Roles are shared by every database of the server: another database's migrate (a parallel test
            # worker's) may create it meanwhile, which ends in one of these two errors.
            cursor.execute(f"DO $$ BEGIN CREATE ROLE {quote(role)} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
                           f"EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
            exists = True
        if exists and not superuser:
            # SET ROLE needs membership, and from PostgreSQL 16 a membership with the SET option.
            privilege = "SET" if connection.connection.info.server_version >= 160000 else "MEMBER"
            cursor.execute("SELECT pg_has_role(session_user, %s, %s)", [role, privilege])
            if not cursor.fetchone()[0] and createrole:
                cursor.execute(f"GRANT {quote(role)} TO SESSION_USER")


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0013_audit_privacy_paths"),
    ]

    operations = [
        migrations.RunPython(create_role, migrations.RunPython.noop, elidable=False),
    ]
