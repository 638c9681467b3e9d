"""What a kept ranking is checked against: a row for every statement that changes what matching reads (PostgreSQL
only; SQLite, for `make run`, ranks afresh on every view and has neither the tables nor the triggers).

The matching page keeps its ranking in the cache (`deployments.brokerage.kept`) under a version of the data it was
worked out from, and uses it again only while the version is the same. The version is read from `matching_change`:

* every table the ranking reads (the leaders, their need areas, deployments, capacity entries, offers, the
  partnership's settings, its term dates, and the schools) has statement-level AFTER INSERT, UPDATE, DELETE and
  TRUNCATE triggers that append one row per partnership the statement touched (0 for a table shared by every
  partnership: schools; and for a TRUNCATE). Appending never waits for another writer, as bumping one counter row
  would; the function is SECURITY DEFINER (it runs as the tables' owner), so the application role, which row-level
  security lets read but never write this table, records its own changes;
* a version is (the prune epoch, how many rows, the highest id) of a partnership's rows and the shared ones. Rows
  are only ever added between prunes, so in one epoch an equal count means the same rows (the highest id alone is
  not enough: an id is taken before its transaction commits, so a lower one can appear later);
* `matching_change_prune()` deletes the rows and moves `matching_change_epoch` on, in one transaction: every
  version read after it differs from every version read before it, so a prune only costs a recomputation.
  The daily reminders task runs it (`deployments.tasks`).

Row-level security: `matching_change` is enabled (not forced: the triggers' owner writes past it) with one policy,
for reading only, that shows a session its partnership's rows and the shared ones (the tenant policy's expression);
with no policy for writing, the application role cannot add, change or delete rows itself.
"""

from django.db import migrations

from portal.tenancy.rls import POLICY_EXPRESSION

# (table, column naming its partnership; None for a table every partnership shares)
WATCHED = [
    ("alliances_systemleader", "partnership_id"),
    ("alliances_leaderspecialism", "partnership_id"),
    ("deployments_deployment", "partnership_id"),
    ("deployments_capacityentry", "partnership_id"),
    ("deployments_offer", "partnership_id"),
    ("portal_partnership", "id"),
    ("portal_calendarperiod", "partnership_id"),
    ("portal_calendaryear", "partnership_id"),
    ("alliances_school", None),
]
TRIGGER_PREFIX = "matching_change"

TABLES = [
    """CREATE TABLE IF NOT EXISTS matching_change (
        id bigserial PRIMARY KEY,
        partnership_id bigint NOT NULL,
        xact xid8 NOT NULL DEFAULT pg_current_xact_id())""",
    "CREATE INDEX IF NOT EXISTS matching_change_version ON matching_change (partnership_id, id) INCLUDE (xact)",
    "CREATE TABLE IF NOT EXISTS matching_change_epoch (epoch bigint NOT NULL)",
    "INSERT INTO matching_change_epoch (epoch) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM matching_change_epoch)",
    "ALTER TABLE matching_change ENABLE ROW LEVEL SECURITY",
    "DROP POLICY IF EXISTS matching_change_read ON matching_change",
    f"CREATE POLICY matching_change_read ON matching_change FOR SELECT USING (partnership_id = 0 OR {POLICY_EXPRESSION})",
    "ALTER TABLE matching_change_epoch ENABLE ROW LEVEL SECURITY",
    "DROP POLICY IF EXISTS matching_change_epoch_read ON matching_change_epoch",
    "CREATE POLICY matching_change_epoch_read ON matching_change_epoch FOR SELECT USING (true)",
]
# One function for every watched table: its argument names the column holding the partnership ('' for shared).
FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION matching_change_recorded() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_ARGV[0] = '' OR TG_OP = 'TRUNCATE' THEN
        INSERT INTO matching_change (partnership_id) VALUES (0);
    ELSIF TG_ARGV[0] = 'id' THEN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO matching_change (partnership_id) SELECT DISTINCT id FROM new_rows;
        ELSIF TG_OP = 'UPDATE' THEN
            INSERT INTO matching_change (partnership_id)
            SELECT id FROM new_rows UNION SELECT id FROM old_rows;
        ELSE
            INSERT INTO matching_change (partnership_id) SELECT DISTINCT id FROM old_rows;
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO matching_change (partnership_id) SELECT DISTINCT partnership_id FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO matching_change (partnership_id)
        SELECT partnership_id FROM new_rows UNION SELECT partnership_id FROM old_rows;
    ELSE
        INSERT INTO matching_change (partnership_id) SELECT DISTINCT partnership_id FROM old_rows;
    END IF;
    RETURN NULL;
END $$""",
    """CREATE OR REPLACE FUNCTION matching_change_prune() RETURNS bigint LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    pruned bigint;
BEGIN
    UPDATE matching_change_epoch SET epoch = epoch + 1;
    DELETE FROM matching_change;
    GET DIAGNOSTICS pruned = ROW_COUNT;
    RETURN pruned;
END $$""",
]


def _triggers(table: str, column: str | None) -> list[str]:
    argument = f"'{column or ''}'"
    name = f"{TRIGGER_PREFIX}_{table}"
    return [
        f"DROP TRIGGER IF EXISTS {name}_inserted ON {table}",
        f"CREATE TRIGGER {name}_inserted AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION matching_change_recorded({argument})",
        f"DROP TRIGGER IF EXISTS {name}_updated ON {table}",
        f"CREATE TRIGGER {name}_updated AFTER UPDATE ON {table} REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION matching_change_recorded({argument})",
        f"DROP TRIGGER IF EXISTS {name}_deleted ON {table}",
        f"CREATE TRIGGER {name}_deleted AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION matching_change_recorded({argument})",
        f"DROP TRIGGER IF EXISTS {name}_truncated ON {table}",
        f"CREATE TRIGGER {name}_truncated AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION matching_change_recorded({argument})",
    ]


def _remove() -> list[str]:
    drops = [f"DROP TRIGGER IF EXISTS {TRIGGER_PREFIX}_{table}_{event} ON {table}"
             for table, _ in WATCHED for event in ("inserted", "updated", "deleted", "truncated")]
    return [*drops, "DROP FUNCTION IF EXISTS matching_change_recorded()", "DROP FUNCTION IF EXISTS matching_change_prune()",
            "DROP TABLE IF EXISTS matching_change", "DROP TABLE IF EXISTS matching_change_epoch"]


def _on_postgresql(*statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("alliances", "0011_school_search_rows"),
        ("deployments", "0012_matching_leader_score_columns"),
        ("portal", "0020_programmes_cohorts_places"),
    ]

    operations = [
        migrations.RunPython(
            _on_postgresql(*TABLES, *FUNCTIONS, *[s for table, column in WATCHED for s in _triggers(table, column)]),
            _on_postgresql(*_remove()), elidable=False),
    ]
