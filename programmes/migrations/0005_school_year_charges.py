"""Each school's charge and credit sums by financial year, academic year and service, kept by PostgreSQL triggers
on the charge lines.

The finance page's totals per school and the take-up page's income summed every line of the year on each view
(100,000 at scale: 50-90 ms of aggregation); they now add up a few thousand sums. The triggers add each inserted line to its school and year's sums and take away each deleted one
(a change does both), in the statement that writes the lines, whoever writes them (services, imports, the
scale seeder, tests' factories), so the sums cannot drift from the lines. The rows they write are the same
partnership's as the lines, so row-level security lets them through. Lines are grouped and written in key order,
so two transactions adding lines for the same schools wait for each other rather than deadlock. SQLite (the
embedded `make run`) gets the table without triggers, and the finance page sums the lines there.
"""

import django.db.models.deletion
from django.db import migrations, models

SUMS = "programmes_schoolyearcharges"
_SUMS_OF = """
    SELECT partnership_id, school_id, financial_year, academic_year, service_id,
           COALESCE(SUM(amount) FILTER (WHERE kind <> 'credit'), 0) AS charged,
           COUNT(*) FILTER (WHERE kind <> 'credit') AS charge_lines,
           COALESCE(SUM(amount) FILTER (WHERE kind = 'credit'), 0) AS credited,
           COUNT(*) FILTER (WHERE kind = 'credit') AS credit_lines
    FROM {rows} GROUP BY partnership_id, school_id, financial_year, academic_year, service_id
"""
# New lines add to their school and year's sums (a row is made for a first line).
_ADD = f"""
    INSERT INTO {SUMS} AS s (partnership_id, school_id, financial_year, academic_year, service_id, charged, charge_lines, credited, credit_lines)
    {_SUMS_OF.format(rows="new_lines")} ORDER BY partnership_id, school_id, financial_year, academic_year, service_id
    ON CONFLICT (partnership_id, financial_year, school_id, academic_year, service_id) DO UPDATE SET
        charged = s.charged + EXCLUDED.charged, charge_lines = s.charge_lines + EXCLUDED.charge_lines,
        credited = s.credited + EXCLUDED.credited, credit_lines = s.credit_lines + EXCLUDED.credit_lines;
"""
# Lines gone take away from sums that hold them (the counts' checks keep them at zero or more).
_TAKE = f"""
    UPDATE {SUMS} AS s SET charged = s.charged - d.charged, charge_lines = s.charge_lines - d.charge_lines,
        credited = s.credited - d.credited, credit_lines = s.credit_lines - d.credit_lines
    FROM ({_SUMS_OF.format(rows="old_lines")}) AS d
    WHERE s.partnership_id = d.partnership_id AND s.school_id = d.school_id AND s.financial_year = d.financial_year
      AND s.academic_year = d.academic_year AND s.service_id IS NOT DISTINCT FROM d.service_id;
"""
FUNCTIONS = {
    "programmes_charge_sums_insert": _ADD,
    "programmes_charge_sums_delete": _TAKE,
    "programmes_charge_sums_update": _TAKE + _ADD,
}
TRIGGERS = [
    ("programmes_charge_sums_insert", "INSERT", "NEW TABLE AS new_lines"),
    ("programmes_charge_sums_delete", "DELETE", "OLD TABLE AS old_lines"),
    ("programmes_charge_sums_update", "UPDATE", "OLD TABLE AS old_lines NEW TABLE AS new_lines"),
]
# The sums of the lines already there (a database migrated with charges in it).
BACKFILL = f"""
    INSERT INTO {SUMS} (partnership_id, school_id, financial_year, academic_year, service_id, charged, charge_lines, credited, credit_lines)
    {_SUMS_OF.format(rows="programmes_chargeline")}
"""


# The key the triggers' upsert names; lines for no service share one row (NULLs not distinct, PostgreSQL 15).
UNIQUE = (f"CREATE UNIQUE INDEX school_year_charges_once ON {SUMS} "
          "(partnership_id, financial_year, school_id, academic_year, service_id) NULLS NOT DISTINCT")


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(UNIQUE)
    for name, body in FUNCTIONS.items():
        schema_editor.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                              f"BEGIN {body} RETURN NULL; END $$")
    for name, event, tables in TRIGGERS:
        schema_editor.execute(f"CREATE TRIGGER {name} AFTER {event} ON programmes_chargeline "
                              f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    schema_editor.execute(BACKFILL)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _event, _tables in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON programmes_chargeline")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    schema_editor.execute("DROP INDEX IF EXISTS school_year_charges_once")


class Migration(migrations.Migration):

    dependencies = [
        ('alliances', '0008_school_phase_and_home_columns_indexes'),
        ('portal', '0020_programmes_cohorts_places'),
        ('programmes', '0004_order_list_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='SchoolYearCharges',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('financial_year', models.CharField(max_length=7)),
                ('academic_year', models.CharField(max_length=7)),
                ('charged', models.DecimalField(decimal_places=2, default=0, max_digits=13)),
                ('charge_lines', models.PositiveIntegerField(default=0)),
                ('credited', models.DecimalField(decimal_places=2, default=0, max_digits=13)),
                ('credit_lines', models.PositiveIntegerField(default=0)),
                ('partnership', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='portal.partnership')),
                ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='alliances.school')),
                ('service', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='programmes.service')),
            ],
            options={
                'indexes': [models.Index(fields=['partnership', 'academic_year'], name='school_charges_academic')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
