"""What the dashboards' kept figures are checked against: a row for every statement that changes what a dashboard
reads (PostgreSQL only; SQLite, for `make run`, works the figures out on every view and has neither the tables
nor the triggers).

The dashboard page keeps the figures it worked out in the cache (`reporting.dashboards.kept`) under a version of
the data it read, and uses them again only while the version is the same. This is matching's change log
(migration 0013, which explains why a version is exact) for another set of tables, in a log of its own, so that a
review written or a visit logged, which no ranking reads, never makes matching rank again:

* every table the dashboards' statements read (requests and their need areas, deployments, their objectives,
  reviews and ratings, visits, the capacity ledger, system leaders and their specialisms, clusters and their
  schools, and the schools) has statement-level AFTER INSERT, UPDATE, DELETE and TRUNCATE triggers that append
  one row per partnership the statement touched to `dashboard_change` (0 for the schools, which every
  partnership shares, and for a TRUNCATE). What the page reads before its statements (the partnership's terms,
  LAs, specialisms, the chosen cluster and school) is in the key by value, so those tables need no trigger;
* a version is (the prune epoch, how many rows, the highest id) of a partnership's rows and the shared ones;
  `dashboard_change_prune()` deletes the rows and moves `dashboard_change_epoch` on. The daily reminders task
  runs it (`portal.change_log.prune_all`).

Row-level security as for `matching_change`: the application role reads its partnership's rows and the shared
ones, and can write none (the SECURITY DEFINER trigger function writes them as the tables' owner).
"""

from django.db import migrations

from portal.tenancy.rls import POLICY_EXPRESSION

# (table, column naming its partnership; None for a table every partnership shares)
WATCHED = [
    ("deployments_supportrequest", "partnership_id"),
    ("deployments_requestneed", "partnership_id"),
    ("deployments_deployment", "partnership_id"),
    ("deployments_objective", "partnership_id"),
    ("deployments_review", "partnership_id"),
    ("deployments_reviewobjective", "partnership_id"),
    ("deployments_visit", "partnership_id"),
    ("deployments_capacityentry", "partnership_id"),
    ("alliances_systemleader", "partnership_id"),
    ("alliances_leaderspecialism", "partnership_id"),
    ("alliances_cluster", "partnership_id"),
    ("alliances_clusterschool", "partnership_id"),
    ("alliances_school", None),
]
LOG = "dashboard_change"

TABLES = [
    f"""CREATE TABLE IF NOT EXISTS {LOG} (
        id bigserial PRIMARY KEY,
        partnership_id bigint NOT NULL,
        xact xid8 NOT NULL DEFAULT pg_current_xact_id())""",
    f"CREATE INDEX IF NOT EXISTS {LOG}_version ON {LOG} (partnership_id, id) INCLUDE (xact)",
    f"CREATE TABLE IF NOT EXISTS {LOG}_epoch (epoch bigint NOT NULL)",
    f"INSERT INTO {LOG}_epoch (epoch) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM {LOG}_epoch)",
    f"ALTER TABLE {LOG} ENABLE ROW LEVEL SECURITY",
    f"DROP POLICY IF EXISTS {LOG}_read ON {LOG}",
    f"CREATE POLICY {LOG}_read ON {LOG} FOR SELECT USING (partnership_id = 0 OR {POLICY_EXPRESSION})",
    f"ALTER TABLE {LOG}_epoch ENABLE ROW LEVEL SECURITY",
    f"DROP POLICY IF EXISTS {LOG}_epoch_read ON {LOG}_epoch",
    f"CREATE POLICY {LOG}_epoch_read ON {LOG}_epoch FOR SELECT USING (true)",
]
# One function for every watched table: its argument names the column holding the partnership ('' for shared).
FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION {LOG}_recorded() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_ARGV[0] = '' OR TG_OP = 'TRUNCATE' THEN
        INSERT INTO {LOG} (partnership_id) VALUES (0);
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO {LOG} (partnership_id) SELECT DISTINCT partnership_id FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO {LOG} (partnership_id)
        SELECT partnership_id FROM new_rows UNION SELECT partnership_id FROM old_rows;
    ELSE
        INSERT INTO {LOG} (partnership_id) SELECT DISTINCT partnership_id FROM old_rows;
    END IF;
    RETURN NULL;
END $$""",
    f"""CREATE OR REPLACE FUNCTION {LOG}_prune() RETURNS bigint LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    pruned bigint;
BEGIN
    UPDATE {LOG}_epoch SET epoch = epoch + 1;
    DELETE FROM {LOG};
    GET DIAGNOSTICS pruned = ROW_COUNT;
    RETURN pruned;
END $$""",
]
EVENTS = {
    "inserted": "AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows",
    "updated": "AFTER UPDATE ON {table} REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows",
    "deleted": "AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows",
    "truncated": "AFTER TRUNCATE ON {table}",
}


def _triggers(table: str, column: str | None) -> list[str]:
    statements = []
    for event, when in EVENTS.items():
        name = f"{LOG}_{table}_{event}"
        statements += [f"DROP TRIGGER IF EXISTS {name} ON {table}",
                       f"CREATE TRIGGER {name} {when.format(table=table)} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {LOG}_recorded('{column or ''}')"]
    return statements


def _remove() -> list[str]:
    drops = [f"DROP TRIGGER IF EXISTS {LOG}_{table}_{event} ON {table}" for table, _ in WATCHED for event in EVENTS]
    return [*drops, f"DROP FUNCTION IF EXISTS {LOG}_recorded()", f"DROP FUNCTION IF EXISTS {LOG}_prune()",
            f"DROP TABLE IF EXISTS {LOG}", f"DROP TABLE IF EXISTS {LOG}_epoch"]


def _on_postgresql(*statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("alliances", "0011_school_search_rows"),
        ("deployments", "0013_matching_changes"),
    ]

    operations = [
        migrations.RunPython(
            _on_postgresql(*TABLES, *FUNCTIONS, *[s for table, column in WATCHED for s in _triggers(table, column)]),
            _on_postgresql(*_remove()), elidable=False),
    ]
