"""Which statements the partnership middleware takes for writes (so the layout reads the unread count again)."""

import pytest

from portal.tenancy.middleware import is_write


@pytest.mark.parametrize("sql", [
    "SELECT 1",
    "  (SELECT id FROM t) UNION ALL (SELECT id FROM u)",
    "WITH found AS (SELECT id FROM t) SELECT * FROM found",
    "with recursive years(y) as (select 1 union all select y + 1 from years where y < 3) select y from years",
    "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT s1", "RELEASE SAVEPOINT s1",
])
def test_reads(sql):
    assert not is_write(sql)


@pytest.mark.parametrize("sql", [
    "INSERT INTO t VALUES (1)",
    "UPDATE t SET a = 1",
    "DELETE FROM t",
    "SELECT id FROM t FOR UPDATE",
    "WITH gone AS (DELETE FROM t RETURNING id) SELECT count(*) FROM gone",
    "with moved as (update t set a = 1 returning id) select id from moved",
    "SELECT 1; DELETE FROM t",
    "SET LOCAL app.partnership = '1'",
    "COPY t TO STDOUT",
    "TRUNCATE t",
    None,
])
def test_writes(sql):
    assert is_write(sql)
