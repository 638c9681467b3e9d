"""Each school's places on each programme's cohorts of an academic year that end on one date (all, accepted,
accepted and completed, waitlisted), kept by PostgreSQL triggers on the places and cohorts.

The programme reports (page and export) grouped every place of the year joined to its cohort (60,000 at scale);
they now add up about 3,000 counts, deciding "ended by today" from the end date each count keeps. The triggers
count each inserted place into its school and its cohort's year, programme and end date, and take away each
deleted one (a change does both); a change of a cohort's year, programme or end date (the sessions keep its end
date) moves its places' counts. A place's trigger first reads its cohorts FOR SHARE, so a place written while its
cohort changes waits for that change and counts under the new key, and a cohort's change waits for open place
writes and then sees them (as `programmes 0006` does for order lines and orders). Counts are written in key order.
SQLite (the embedded `make run`) gets the table without triggers, and the reports read the places there.
"""

import django.db.models.deletion
from django.db import migrations, models

COUNTS = "programmes_schoolplacecounts"
KEY = "partnership_id, academic_year, programme_id, ends_on, school_id"
# The places counted per key: `{places}` and `{cohorts}` are the places and cohorts to count (transition tables,
# or the tables themselves for the backfill).
_COUNTS_OF = """
    SELECT c.partnership_id, c.academic_year, c.programme_id, c.ends_on, p.school_id, COUNT(*) AS places,
           COUNT(*) FILTER (WHERE p.status = 'accepted') AS accepted,
           COUNT(*) FILTER (WHERE p.status = 'accepted' AND p.completed_at IS NOT NULL) AS completed,
           COUNT(*) FILTER (WHERE p.status = 'waitlisted') AS waitlisted
    FROM {places} AS p JOIN {cohorts} AS c ON c.id = p.cohort_id
    GROUP BY c.partnership_id, c.academic_year, c.programme_id, c.ends_on, p.school_id
"""


def _add(places: str, cohorts: str) -> str:
    return f"""
    INSERT INTO {COUNTS} AS s ({KEY}, places, accepted, completed, waitlisted)
    {_COUNTS_OF.format(places=places, cohorts=cohorts)} ORDER BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET places = s.places + EXCLUDED.places, accepted = s.accepted + EXCLUDED.accepted,
        completed = s.completed + EXCLUDED.completed, waitlisted = s.waitlisted + EXCLUDED.waitlisted;
"""


def _take(places: str, cohorts: str) -> str:
    return f"""
    UPDATE {COUNTS} AS s SET places = s.places - d.places, accepted = s.accepted - d.accepted,
        completed = s.completed - d.completed, waitlisted = s.waitlisted - d.waitlisted
    FROM ({_COUNTS_OF.format(places=places, cohorts=cohorts)}) AS d
    WHERE s.partnership_id = d.partnership_id AND s.academic_year = d.academic_year
      AND s.programme_id = d.programme_id AND s.ends_on IS NOT DISTINCT FROM d.ends_on AND s.school_id = d.school_id;
"""


def _lock(places: str) -> str:
    """The places' cohorts read FOR SHARE: a concurrent change of a cohort is waited for, not missed."""
    return f"PERFORM 1 FROM programmes_cohort WHERE id IN (SELECT cohort_id FROM {places}) ORDER BY id FOR SHARE;"


# The cohorts whose year, programme or end date changed, before and after (other changes leave the counts be).
_CHANGED = """(SELECT {side}.* FROM old_cohorts AS was JOIN new_cohorts AS now ON now.id = was.id
    WHERE (was.academic_year, was.programme_id, was.ends_on, was.partnership_id)
          IS DISTINCT FROM (now.academic_year, now.programme_id, now.ends_on, now.partnership_id))"""
COHORTS = "programmes_cohort"
FUNCTIONS = {
    "programmes_place_counts_insert": _lock("new_places") + _add("new_places", COHORTS),
    "programmes_place_counts_delete": _lock("old_places") + _take("old_places", COHORTS),
    "programmes_place_counts_update": (_lock("old_places") + _lock("new_places") + _take("old_places", COHORTS)
                                       + _add("new_places", COHORTS)),
    "programmes_place_counts_cohorts": (_take("programmes_place", _CHANGED.format(side="was"))
                                        + _add("programmes_place", _CHANGED.format(side="now"))),
}
TRIGGERS = [
    ("programmes_place_counts_insert", "programmes_place", "INSERT", "NEW TABLE AS new_places"),
    ("programmes_place_counts_delete", "programmes_place", "DELETE", "OLD TABLE AS old_places"),
    ("programmes_place_counts_update", "programmes_place", "UPDATE", "OLD TABLE AS old_places NEW TABLE AS new_places"),
    ("programmes_place_counts_cohorts", "programmes_cohort", "UPDATE",
     "OLD TABLE AS old_cohorts NEW TABLE AS new_cohorts"),
]
# The key the triggers' upsert names; cohorts with no end date share one row (NULLs not distinct, PostgreSQL 15).
UNIQUE = f"CREATE UNIQUE INDEX school_place_counts_once ON {COUNTS} ({KEY}) NULLS NOT DISTINCT"
# The counts of the places already there (a database migrated with places in it).
BACKFILL = (f"INSERT INTO {COUNTS} ({KEY}, places, accepted, completed, waitlisted) "
            f"{_COUNTS_OF.format(places='programmes_place', cohorts=COHORTS)}")


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(UNIQUE)
    for name, body in FUNCTIONS.items():
        schema_editor.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                              f"BEGIN {body} RETURN NULL; END $$")
    for name, table, event, tables in TRIGGERS:
        schema_editor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                              f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    schema_editor.execute(BACKFILL)
    schema_editor.execute(f"ANALYZE {COUNTS}")


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, _event, _tables in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    schema_editor.execute("DROP INDEX IF EXISTS school_place_counts_once")



class Migration(migrations.Migration):

    dependencies = [
        ('alliances', '0009_leader_home_school_copy'),
        ('portal', '0020_programmes_cohorts_places'),
        ('programmes', '0006_school_service_orders'),
    ]

    operations = [
        migrations.CreateModel(
            name='SchoolPlaceCounts',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('academic_year', models.CharField(max_length=7)),
                ('ends_on', models.DateField(blank=True, null=True)),
                ('places', models.PositiveIntegerField(default=0)),
                ('accepted', models.PositiveIntegerField(default=0)),
                ('completed', models.PositiveIntegerField(default=0)),
                ('waitlisted', models.PositiveIntegerField(default=0)),
                ('partnership', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='portal.partnership')),
                ('programme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='programmes.programme')),
                ('school', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='alliances.school')),
            ],
            options={
                'indexes': [models.Index(fields=['partnership', 'academic_year'], name='school_place_counts_year')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
