"""The schools search's columns, one narrow row per school, kept by PostgreSQL triggers: the URN, the name and postcode
as the search compares them (upper case; the postcode without spaces), local authority, phase and status. The
search's count rechecks its trigram matches in these rows, not in the schools' wide ones with UPPER() on each
(alliances.search.SchoolSearchRow).

Statement-level triggers with transition tables, as the counts' (0010): an insert copies the new schools (COPY,
bulk_create and the admin alike), a delete removes theirs, an update removes the rows of URNs that went and writes
only the schools whose copied columns changed (an import rewriting every school without renaming one writes none).
The values written are the schools' own, not differences, so two writers of one school leave its last state: the
school's row lock orders them. TRUNCATE empties the copy. SQLite (the embedded `make run`) gets the table without
triggers or the trigram index, and the search counts the schools."""

from django.db import migrations, models

ROWS = "alliances_schoolsearchrow"
COLUMNS = "urn, name_upper, postcode_compact, la_code, phase, status"
# The name and postcode as the search compares them: Django's `name__icontains` is UPPER("name"::text) LIKE ...,
# and the search's postcode REPLACE(UPPER("postcode"), ' ', '') (alliances.selectors.search_schools).
_FROM = "{0}urn, UPPER({0}name::text), REPLACE(UPPER({0}postcode), ' ', ''), {0}la_id, {0}phase, {0}status"
_WRITE = f"""
    INSERT INTO {ROWS} AS r ({COLUMNS})
    SELECT {{picked}} ORDER BY 1
    ON CONFLICT (urn) DO UPDATE SET name_upper = EXCLUDED.name_upper, postcode_compact = EXCLUDED.postcode_compact,
        la_code = EXCLUDED.la_code, phase = EXCLUDED.phase, status = EXCLUDED.status
    WHERE (r.name_upper, r.postcode_compact, r.la_code, r.phase, r.status) IS DISTINCT FROM
        (EXCLUDED.name_upper, EXCLUDED.postcode_compact, EXCLUDED.la_code, EXCLUDED.phase, EXCLUDED.status);
"""
# The schools an update wrote whose copied columns changed (or whose URN is new).
_CHANGED = (_FROM.format("n.") + " FROM new_schools n LEFT JOIN old_schools o ON o.urn = n.urn WHERE o.urn IS NULL "
            "OR (o.name, o.postcode, o.la_id, o.phase, o.status) IS DISTINCT FROM (n.name, n.postcode, n.la_id, n.phase, n.status)")
FUNCTIONS = {
    "alliances_school_search_insert": _WRITE.format(picked=_FROM.format("") + " FROM new_schools"),
    "alliances_school_search_delete": f"DELETE FROM {ROWS} r USING old_schools o WHERE r.urn = o.urn;",
    "alliances_school_search_update": (
        f"DELETE FROM {ROWS} r USING old_schools o WHERE r.urn = o.urn "
        "AND NOT EXISTS (SELECT 1 FROM new_schools n WHERE n.urn = o.urn);" + _WRITE.format(picked=_CHANGED)),
}
TRIGGERS = [
    ("alliances_school_search_insert", "INSERT", "REFERENCING NEW TABLE AS new_schools"),
    ("alliances_school_search_delete", "DELETE", "REFERENCING OLD TABLE AS old_schools"),
    ("alliances_school_search_update", "UPDATE", "REFERENCING OLD TABLE AS old_schools NEW TABLE AS new_schools"),
]
# The name search is name_upper LIKE UPPER('%...%') (alliances.search.UpperContains). Built after the backfill, and
# without GIN's pending list: rows written later go straight into the index, where the pending list would be read
# whole by every search until a vacuum merged it (and the planner, seeing it, would rather read every row).
NAME_TRIGRAM = (f"CREATE INDEX IF NOT EXISTS school_search_name_trgm ON {ROWS} USING gin (name_upper gin_trgm_ops) "
                "WITH (fastupdate = off)")
BACKFILL = f"INSERT INTO {ROWS} ({COLUMNS}) SELECT {_FROM.format('')} FROM alliances_school ORDER BY urn"


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, body in FUNCTIONS.items():
        schema_editor.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                              f"BEGIN {body} RETURN NULL; END $$")
    for name, event, tables in TRIGGERS:
        schema_editor.execute(f"CREATE TRIGGER {name} AFTER {event} ON alliances_school "
                              f"{tables} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    schema_editor.execute("CREATE OR REPLACE FUNCTION alliances_school_search_truncate() RETURNS trigger "
                          f"LANGUAGE plpgsql AS $$ BEGIN DELETE FROM {ROWS}; RETURN NULL; END $$")
    schema_editor.execute("CREATE TRIGGER alliances_school_search_truncate AFTER TRUNCATE ON alliances_school "
                          "FOR EACH STATEMENT EXECUTE FUNCTION alliances_school_search_truncate()")
    schema_editor.execute(BACKFILL)
    schema_editor.execute(NAME_TRIGRAM)
    schema_editor.execute(f"ANALYZE {ROWS}")


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [*FUNCTIONS, "alliances_school_search_truncate"]:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON alliances_school")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    schema_editor.execute("DROP INDEX IF EXISTS school_search_name_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ('alliances', '0010_lists_school_counts'),
    ]

    operations = [
        migrations.CreateModel(
            name='SchoolSearchRow',
            fields=[
                ('urn', models.CharField(max_length=6, primary_key=True, serialize=False, verbose_name='URN')),
                ('name_upper', models.TextField(help_text='UPPER(name::text), what `name__icontains` compares')),
                ('postcode_compact', models.TextField(help_text="REPLACE(UPPER(postcode), ' ', ''), what the search compares")),
                ('la_code', models.CharField(max_length=3, null=True)),
                ('phase', models.CharField(blank=True, max_length=20)),
                ('status', models.CharField(max_length=20)),
            ],
            options={
                'indexes': [models.Index(fields=['postcode_compact'], name='school_search_postcode')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
