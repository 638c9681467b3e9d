"""How many active lines for each service each school has on its sent or confirmed orders against each catalogue,
kept by PostgreSQL triggers on the orders and their lines.

The take-up page found the schools that ordered each service by a DISTINCT over every active line of the year's
sent orders joined to the orders, catalogues, services and schools (20,000 lines at scale); it now reads a few
thousand counts. The triggers count each inserted line on a sent or confirmed order into its school, catalogue
and service, and take away each deleted one (a change does both); a change of an order's status, school or
catalogue takes its active lines out of the old counts and into the new. A line's trigger first reads its orders
FOR SHARE, so a line written while its order's status changes waits for that change and counts with the new
status, and an order's change waits for open line writes and then sees them (each statement of a PL/pgSQL
function reads what is committed when it starts). Counts are written in key order, as `programmes 0005` writes
its sums. SQLite (the embedded `make run`) gets the table without triggers, and take-up reads the lines there.
"""

import django.db.models.deletion
from django.db import migrations, models

COUNTS = "programmes_schoolserviceorders"
SENT = "('submitted', 'confirmed')"
KEY = "partnership_id, catalogue_id, school_id, service_id"
# The active lines on sent or confirmed orders, counted per key: `{lines}` and `{orders}` are the lines and orders
# to count (transition tables, or the tables themselves for the backfill).
_COUNTS_OF = f"""
    SELECT o.partnership_id, o.catalogue_id, o.school_id, l.service_id, COUNT(*) AS lines
    FROM {{lines}} AS l JOIN {{orders}} AS o ON o.id = l.order_id
    WHERE l.status = 'active' AND o.status IN {SENT}
    GROUP BY o.partnership_id, o.catalogue_id, o.school_id, l.service_id
"""


def _add(lines: str, orders: str) -> str:
    return f"""
    INSERT INTO {COUNTS} AS s ({KEY}, lines)
    {_COUNTS_OF.format(lines=lines, orders=orders)} ORDER BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET lines = s.lines + EXCLUDED.lines;
"""


def _take(lines: str, orders: str) -> str:
    return f"""
    UPDATE {COUNTS} AS s SET lines = s.lines - d.lines
    FROM ({_COUNTS_OF.format(lines=lines, orders=orders)}) AS d
    WHERE s.partnership_id = d.partnership_id AND s.catalogue_id = d.catalogue_id AND s.school_id = d.school_id
      AND s.service_id = d.service_id;
"""


def _lock(lines: str) -> str:
    """The lines' orders read FOR SHARE: a concurrent change of an order's status is waited for, not missed."""
    return f"PERFORM 1 FROM programmes_order WHERE id IN (SELECT order_id FROM {lines}) ORDER BY id FOR SHARE;"


# The orders whose status, school or catalogue changed, before and after (other changes leave the counts be).
_CHANGED = """(SELECT {side}.* FROM old_orders AS was JOIN new_orders AS now ON now.id = was.id
    WHERE (was.status, was.school_id, was.catalogue_id, was.partnership_id)
          IS DISTINCT FROM (now.status, now.school_id, now.catalogue_id, now.partnership_id))"""
ORDERS = "programmes_order"
FUNCTIONS = {
    "programmes_ordered_lines_insert": _lock("new_lines") + _add("new_lines", ORDERS),
    "programmes_ordered_lines_delete": _lock("old_lines") + _take("old_lines", ORDERS),
    "programmes_ordered_lines_update": (_lock("old_lines") + _lock("new_lines") + _take("old_lines", ORDERS)
                                        + _add("new_lines", ORDERS)),
    "programmes_ordered_orders_update": (_take("programmes_orderline", _CHANGED.format(side="was"))
                                         + _add("programmes_orderline", _CHANGED.format(side="now"))),
}
TRIGGERS = [
    ("programmes_ordered_lines_insert", "programmes_orderline", "INSERT", "NEW TABLE AS new_lines"),
    ("programmes_ordered_lines_delete", "programmes_orderline", "DELETE", "OLD TABLE AS old_lines"),
    ("programmes_ordered_lines_update", "programmes_orderline", "UPDATE",
     "OLD TABLE AS old_lines NEW TABLE AS new_lines"),
    ("programmes_ordered_orders_update", "programmes_order", "UPDATE",
     "OLD TABLE AS old_orders NEW TABLE AS new_orders"),
]
# The counts of the lines already there (a database migrated with orders in it).
BACKFILL = f"INSERT INTO {COUNTS} ({KEY}, lines) {_COUNTS_OF.format(lines='programmes_orderline', orders=ORDERS)}"


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
        ('alliances', '0009_leader_home_school_copy'),
        ('portal', '0020_programmes_cohorts_places'),
        ('programmes', '0005_school_year_charges'),
    ]

    operations = [
        migrations.CreateModel(
            name='SchoolServiceOrders',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('lines', models.PositiveIntegerField(default=0)),
                ('catalogue', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='programmes.catalogue')),
                ('partnership', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='portal.partnership')),
                ('school', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='alliances.school')),
                ('service', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='programmes.service')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('partnership', 'catalogue', 'school', 'service'), name='school_service_orders_once')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
