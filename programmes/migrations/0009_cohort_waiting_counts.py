"""How many people wait for a place on each cohort, with the cohort's year, programme and name, kept by
PostgreSQL triggers on the places and cohorts (`programmes.CohortWaitingCount`).

The programme reports' waitlists counted the year's waiting places by cohort (4,000 at scale) and joined the
2,000 cohorts on every view, half of the report's statement, to show 50 of them. The triggers add each cohort's
change in waiting places, whatever the statement (a place added, its status or cohort changed, deleted): a rise
is upserted with the cohort's year, programme and name, a fall taken from its row. A change of a cohort's year,
programme or name is copied to its row. As in `programmes 0007`, a place's trigger first reads its cohorts FOR
SHARE, so a place written while its cohort changes waits for that change and copies the new values, and rows are
written in the cohorts' order. SQLite (the embedded `make run`) gets the table without triggers, and the reports
count the places there.
"""

import django.db.models.deletion
from django.db import migrations, models

COUNTS = "programmes_cohortwaitingcount"
COHORTS = "programmes_cohort"
# Each cohort's change in waiting places: +1 for each waiting place in `plus`, -1 for each in `minus` (transition
# tables; "" for none).
_SIDE = "SELECT cohort_id, {sign}1 AS n FROM {places} WHERE status = 'waitlisted'"


def _delta(plus: str, minus: str) -> str:
    sides = [_SIDE.format(sign="", places=plus)] if plus else []
    sides += [_SIDE.format(sign="-", places=minus)] if minus else []
    return f"SELECT cohort_id, SUM(n) AS n FROM ({' UNION ALL '.join(sides)}) AS d GROUP BY cohort_id"


def _lock(places: str) -> str:
    """The waiting places' cohorts read FOR SHARE: a concurrent change of a cohort is waited for, not missed."""
    return (f"PERFORM 1 FROM {COHORTS} WHERE id IN (SELECT cohort_id FROM {places} WHERE status = 'waitlisted') "
            f"ORDER BY id FOR SHARE;")


def _rise(plus: str, minus: str) -> str:
    return f"""
    INSERT INTO {COUNTS} AS w (partnership_id, cohort_id, academic_year, programme_id, name, waiting)
    SELECT c.partnership_id, c.id, c.academic_year, c.programme_id, c.name, d.n
    FROM ({_delta(plus, minus)}) AS d JOIN {COHORTS} AS c ON c.id = d.cohort_id WHERE d.n > 0 ORDER BY c.id
    ON CONFLICT (cohort_id) DO UPDATE SET waiting = w.waiting + EXCLUDED.waiting;
"""


def _fall(plus: str, minus: str) -> str:
    return f"""
    UPDATE {COUNTS} AS w SET waiting = w.waiting + d.n
    FROM ({_delta(plus, minus)}) AS d WHERE w.cohort_id = d.cohort_id AND d.n < 0;
"""


# What a row copies from its cohort.
_COPY = f"""
    UPDATE {COUNTS} AS w SET partnership_id = now.partnership_id, academic_year = now.academic_year,
        programme_id = now.programme_id, name = now.name
    FROM new_cohorts AS now
    WHERE w.cohort_id = now.id AND (w.partnership_id, w.academic_year, w.programme_id, w.name)
          IS DISTINCT FROM (now.partnership_id, now.academic_year, now.programme_id, now.name);
"""
FUNCTIONS = {
    "programmes_cohort_waiting_insert": _lock("new_places") + _rise("new_places", ""),
    "programmes_cohort_waiting_delete": _fall("", "old_places"),
    "programmes_cohort_waiting_update": (_lock("old_places") + _lock("new_places") + _fall("new_places", "old_places")
                                         + _rise("new_places", "old_places")),
    "programmes_cohort_waiting_cohorts": _COPY,
}
TRIGGERS = [
    ("programmes_cohort_waiting_insert", "programmes_place", "INSERT", "NEW TABLE AS new_places"),
    ("programmes_cohort_waiting_delete", "programmes_place", "DELETE", "OLD TABLE AS old_places"),
    ("programmes_cohort_waiting_update", "programmes_place", "UPDATE",
     "OLD TABLE AS old_places NEW TABLE AS new_places"),
    ("programmes_cohort_waiting_cohorts", "programmes_cohort", "UPDATE", "NEW TABLE AS new_cohorts"),
]
# The counts of the places already there (a database migrated with places in it).
BACKFILL = f"""
    INSERT INTO {COUNTS} (partnership_id, cohort_id, academic_year, programme_id, name, waiting)
    SELECT c.partnership_id, c.id, c.academic_year, c.programme_id, c.name, COUNT(*)
    FROM programmes_place AS p JOIN {COHORTS} AS c ON c.id = p.cohort_id
    WHERE p.status = 'waitlisted' GROUP BY c.id
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
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


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0020_programmes_cohorts_places'),
        ('programmes', '0008_charge_export_order'),
    ]

    operations = [
        migrations.CreateModel(
            name='CohortWaitingCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('academic_year', models.CharField(max_length=7)),
                ('name', models.CharField(max_length=200)),
                ('waiting', models.PositiveIntegerField(default=0)),
                ('cohort', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='programmes.cohort')),
                ('partnership', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='portal.partnership')),
                ('programme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='programmes.programme')),
            ],
            options={
                'indexes': [models.Index(fields=['partnership', 'academic_year'], name='cohort_waiting_year')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
