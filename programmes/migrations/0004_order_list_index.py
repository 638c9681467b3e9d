"""The orders list's order as an index (PostgreSQL only; SQLite, for `make run`, skips it).

The list shows a partnership's orders newest first: `-submitted_at, -created_at` with nulls last and the key as
the tie-break (`portal.ui.filtering.ListFilter`). Without an index in that order PostgreSQL joins all of the
partnership's orders (20,000 at scale) to their schools and sorts them for the 25 it shows; with it, it reads the
first 25 entries.
"""

from django.db import migrations

ORDER_LIST = ("CREATE INDEX IF NOT EXISTS order_list_newest ON programmes_order "
              "(partnership_id, submitted_at DESC NULLS LAST, created_at DESC NULLS LAST, id)")


def _on_postgresql(*statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("programmes", "0003_programmes_cohorts_places"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(ORDER_LIST), _on_postgresql("DROP INDEX IF EXISTS order_list_newest"),
                             elidable=False),
    ]
