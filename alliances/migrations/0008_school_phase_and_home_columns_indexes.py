"""Two indexes on schools for the pages issue 17 measures (PostgreSQL only; SQLite, for `make run`, skips them).

* `school_phase_pupils`: the directory filtered by phase and sorted by size (`?phase=primary&sort=-pupils`) reads
  its page straight from the index instead of sorting every school of the phase, and the page count by phase is
  an index-only scan.
* `school_home_columns`: matching joins each of a partnership's system leaders to their home school for its
  name, coordinates, trust and federation, and the dashboards and LA filters join requests, deployments and
  leaders to their school for its LA and phase; with those columns in the index each look-up (or the one pass
  over all schools matching hashes) is index-only rather than a visit to the wide school row, which at national
  scale is seldom in memory.
"""

from django.db import migrations

PHASE_PUPILS = ('CREATE INDEX IF NOT EXISTS school_phase_pupils ON alliances_school '
                '(phase, pupils DESC NULLS LAST, urn)')
HOME_COLUMNS = ('CREATE INDEX IF NOT EXISTS school_home_columns ON alliances_school (urn) '
                'INCLUDE (la_id, phase, name, easting, northing, trust_code, federation_code, location_accuracy)')


def _on_postgresql(*statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('alliances', '0007_school_source_dates_and_locations'),
    ]

    operations = [
        migrations.RunPython(
            _on_postgresql(PHASE_PUPILS, HOME_COLUMNS),
            _on_postgresql("DROP INDEX IF EXISTS school_phase_pupils", "DROP INDEX IF EXISTS school_home_columns"),
            elidable=False),
    ]
