"""A copy of each system leader's home school coordinates, trust and federation on the leader's row, kept equal
to the school's by triggers (PostgreSQL only; SQLite, for `make run`, has neither the columns nor the triggers).

Matching judges and scores every leader of a partnership in one statement (`deployments.brokerage.matching_sql`):
whether their school is the supported school's trust or federation, and how far it is. Joining 12,000 leaders to
46,000 schools for those four values was half of that statement; read from the leader's own row they cost
nothing more than the leader. The columns are not model fields: Django never writes them, so a leader saved from
a stale instance cannot overwrite them, and only the triggers below do:

* `leader_home_columns`, before a leader is inserted or its home school set (every save sets it), copies the
  school's values onto the row, reading the school `FOR SHARE`: a leader written while another transaction is
  changing its school waits for that change and copies the new values, and a school changed while a new leader's
  transaction is open waits for it, so the school's trigger then sees and updates the leader (without the lock,
  either order left the copy stale under READ COMMITTED);
* `school_home_columns_inserted` / `_updated`, after any statement that inserts or updates schools (the imports'
  bulk updates, `locate_schools`, an admin's edit), copies the values of the schools it touched onto their leaders
  whose copy differs (so a repeat import that changes nothing writes no leader). The leaders of every partnership
  are updated, whatever the session's partnership: the function turns the row-level security bypass on for its own
  UPDATE and restores the session's value after it (the copy is of a shared school's public columns, never one
  partnership's data). A school inserted after its leaders in one transaction (the foreign key is checked at
  commit) fills them in the same way.

The migration fills the copy for the leaders that exist. It also indexes the leaders who declared a conflict of
interest (a partial index, on both databases): matching reads those few rather than every leader.
"""

from django.db import migrations, models

COLUMNS = """
ALTER TABLE alliances_systemleader
    ADD COLUMN IF NOT EXISTS home_easting integer, ADD COLUMN IF NOT EXISTS home_northing integer,
    ADD COLUMN IF NOT EXISTS home_trust_code varchar(10), ADD COLUMN IF NOT EXISTS home_federation_code varchar(10)
"""
LEADER_FUNCTION = """
CREATE OR REPLACE FUNCTION alliances_leader_home_columns() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT school.easting, school.northing, school.trust_code, school.federation_code
      INTO NEW.home_easting, NEW.home_northing, NEW.home_trust_code, NEW.home_federation_code
      FROM alliances_school school WHERE school.urn = NEW.home_school_id FOR SHARE;
    RETURN NEW;
END $$
"""
SCHOOL_FUNCTION = """
CREATE OR REPLACE FUNCTION alliances_school_home_columns() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bypass text := current_setting('app.rls_bypass', true);
BEGIN
    PERFORM set_config('app.rls_bypass', 'on', true);
    UPDATE alliances_systemleader leader
       SET home_easting = school.easting, home_northing = school.northing,
           home_trust_code = school.trust_code, home_federation_code = school.federation_code
      FROM changed_schools school
     WHERE leader.home_school_id = school.urn
       AND (leader.home_easting, leader.home_northing, leader.home_trust_code, leader.home_federation_code)
           IS DISTINCT FROM (school.easting, school.northing, school.trust_code, school.federation_code);
    PERFORM set_config('app.rls_bypass', COALESCE(bypass, ''), true);
    RETURN NULL;
END $$
"""
TRIGGERS = [
    "DROP TRIGGER IF EXISTS leader_home_columns ON alliances_systemleader",
    "CREATE TRIGGER leader_home_columns BEFORE INSERT OR UPDATE OF home_school_id ON alliances_systemleader "
    "FOR EACH ROW EXECUTE FUNCTION alliances_leader_home_columns()",
    "DROP TRIGGER IF EXISTS school_home_columns_inserted ON alliances_school",
    "CREATE TRIGGER school_home_columns_inserted AFTER INSERT ON alliances_school "
    "REFERENCING NEW TABLE AS changed_schools FOR EACH STATEMENT EXECUTE FUNCTION alliances_school_home_columns()",
    "DROP TRIGGER IF EXISTS school_home_columns_updated ON alliances_school",
    "CREATE TRIGGER school_home_columns_updated AFTER UPDATE ON alliances_school "
    "REFERENCING NEW TABLE AS changed_schools FOR EACH STATEMENT EXECUTE FUNCTION alliances_school_home_columns()",
]
# The leaders there are (the migration runs as the owner, past row-level security).
BACKFILL = """
UPDATE alliances_systemleader leader
   SET home_easting = school.easting, home_northing = school.northing,
       home_trust_code = school.trust_code, home_federation_code = school.federation_code
  FROM alliances_school school WHERE school.urn = leader.home_school_id
"""
REMOVE = [
    "DROP TRIGGER IF EXISTS school_home_columns_updated ON alliances_school",
    "DROP TRIGGER IF EXISTS school_home_columns_inserted ON alliances_school",
    "DROP TRIGGER IF EXISTS leader_home_columns ON alliances_systemleader",
    "DROP FUNCTION IF EXISTS alliances_school_home_columns()",
    "DROP FUNCTION IF EXISTS alliances_leader_home_columns()",
    "ALTER TABLE alliances_systemleader DROP COLUMN IF EXISTS home_easting, DROP COLUMN IF EXISTS home_northing, "
    "DROP COLUMN IF EXISTS home_trust_code, DROP COLUMN IF EXISTS home_federation_code",
]


def _on_postgresql(*statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('alliances', '0008_school_phase_and_home_columns_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='systemleader',
            index=models.Index(condition=models.Q(('conflicts', ''), _negated=True), fields=['partnership'],
                               name='leader_declared_conflicts'),
        ),
        migrations.RunPython(
            _on_postgresql(COLUMNS, LEADER_FUNCTION, SCHOOL_FUNCTION, *TRIGGERS, BACKFILL),
            _on_postgresql(*REMOVE), elidable=False),
    ]
