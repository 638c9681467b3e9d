"""How many schools each local authority, phase and status has, kept by PostgreSQL triggers on the schools.

The schools list showed its count from `COUNT(*)` over every school it may show: 46,096 index entries for a broker's
unfiltered list, the page's costliest statement. With no filter but local authority, phase or status (the
default list, an LA officer's, "primary schools") the count is now the sum of a few hundred of these rows.

Statement-level triggers with transition tables add the schools a statement inserts and take away those it
deletes; an update does both, and only keys whose count changes are written (an import that rewrites every school
without moving one changes no row). They run in the statement that writes the schools, whoever writes them
(imports, `seed_scale`, the admin, tests' factories), so the counts cannot drift from the schools. Keys are
written in order, so two transactions writing schools wait for each other rather than deadlock. TRUNCATE empties
the counts. SQLite (the embedded `make run`) gets the table without triggers, and the list counts the schools.
"""

from django.db import migrations, models

COUNTS = "alliances_schoolcount"
_ROWS = "SELECT la_id, phase, status, {sign} AS n FROM {rows}"
_APPLY = f"""
    INSERT INTO {COUNTS} AS c (la_code, phase, status, n)
    SELECT la_id, phase, status, SUM(n) FROM ({{rows}}) AS d GROUP BY la_id, phase, status HAVING SUM(n) <> 0
    ORDER BY la_id, phase, status
    ON CONFLICT (la_code, phase, status) DO UPDATE SET n = c.n + EXCLUDED.n;
"""
FUNCTIONS = {
    "alliances_school_counts_insert": _APPLY.format(rows=_ROWS.format(sign=1, rows="new_schools")),
    "alliances_school_counts_delete": _APPLY.format(rows=_ROWS.format(sign=-1, rows="old_schools")),
    "alliances_school_counts_update": _APPLY.format(rows=_ROWS.format(sign=1, rows="new_schools") + " UNION ALL "
                                                    + _ROWS.format(sign=-1, rows="old_schools")),
}
TRIGGERS = [
    ("alliances_school_counts_insert", "INSERT", "REFERENCING NEW TABLE AS new_schools"),
    ("alliances_school_counts_delete", "DELETE", "REFERENCING OLD TABLE AS old_schools"),
    ("alliances_school_counts_update", "UPDATE", "REFERENCING OLD TABLE AS old_schools NEW TABLE AS new_schools"),
]
# Schools without a local authority share one row per phase and status (NULLs not distinct, PostgreSQL 15).
UNIQUE = f"CREATE UNIQUE INDEX school_count_once ON {COUNTS} (la_code, phase, status) NULLS NOT DISTINCT"
# The counts of the schools already there (a database migrated with schools in it).
BACKFILL = f"INSERT INTO {COUNTS} (la_code, phase, status, n) " \
           "SELECT la_id, phase, status, COUNT(*) FROM alliances_school GROUP BY la_id, phase, status"


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(UNIQUE)
    for name, body in FUNCTIONS.items():
        schema_editor.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                              f"BEGIN {body} RETURN NULL; END $$")
    for name, event, tables in TRIGGERS:
        schema_editor.execute(f"CREATE TRIGGER {name} AFTER {event} ON alliances_school "
                              f"{tables} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    schema_editor.execute("CREATE OR REPLACE FUNCTION alliances_school_counts_truncate() RETURNS trigger "
                          f"LANGUAGE plpgsql AS $$ BEGIN DELETE FROM {COUNTS}; RETURN NULL; END $$")
    schema_editor.execute("CREATE TRIGGER alliances_school_counts_truncate AFTER TRUNCATE ON alliances_school "
                          "FOR EACH STATEMENT EXECUTE FUNCTION alliances_school_counts_truncate()")
    schema_editor.execute(BACKFILL)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [*FUNCTIONS, "alliances_school_counts_truncate"]:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON alliances_school")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    schema_editor.execute("DROP INDEX IF EXISTS school_count_once")


class Migration(migrations.Migration):

    dependencies = [
        ('alliances', '0009_leader_home_school_copy'),
    ]

    operations = [
        migrations.CreateModel(
            name='SchoolCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('la_code', models.CharField(max_length=3, null=True)),
                ('phase', models.CharField(max_length=20)),
                ('status', models.CharField(max_length=20)),
                ('n', models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
