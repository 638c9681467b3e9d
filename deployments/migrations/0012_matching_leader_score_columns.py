"""Two values matching reads from every system leader, stored on the leader's row by PostgreSQL (generated columns,
PostgreSQL only; SQLite, for `make run`, ranks in Python and has neither).

Matching judges and scores every leader of a partnership in one statement (`deployments.brokerage.matching_sql`).
Two of the values it reads from each leader were worked out afresh for every leader on every request:

* `matching_capacity`, the days a term as a double precision number (`capacity_days_per_term::float8`, the value
  the Python ranking's float is): PostgreSQL turns a numeric into a double by printing and reading it back, about
  a fifth of the statement at 12,000 leaders;
* `matching_consent`, whether the home school's head has given release consent (named and dated).

Generated columns are kept by PostgreSQL itself whenever the row is written, however it is written (a save, a bulk
update, an import's COPY), so they cannot go stale and need no trigger. They are not model fields: Django never
reads or writes them. They live on `alliances_systemleader` but belong to matching, hence this migration here.
"""

from django.db import migrations

COLUMNS = """
ALTER TABLE alliances_systemleader
    ADD COLUMN IF NOT EXISTS matching_capacity double precision
        GENERATED ALWAYS AS (capacity_days_per_term::double precision) STORED,
    ADD COLUMN IF NOT EXISTS matching_consent boolean
        GENERATED ALWAYS AS (release_consent_by > '' AND release_consent_on IS NOT NULL) STORED
"""
REMOVE = """
ALTER TABLE alliances_systemleader DROP COLUMN IF EXISTS matching_capacity, DROP COLUMN IF EXISTS matching_consent
"""


def _on_postgresql(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("alliances", "0009_leader_home_school_copy"),
        ("deployments", "0011_review_own_school_benefit"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(COLUMNS), _on_postgresql(REMOVE), elidable=False),
    ]
