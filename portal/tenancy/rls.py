"""Tenant rows guarded by PostgreSQL as well: row-level security that follows the django-scopes scope.

Every table of a model inheriting `PartnershipOwned` gets row-level security, enabled and forced, with one
policy (`partnership_isolation`) on `partnership_id`. The policy compares the row with two settings of the
database session, which the backend (`portal.tenancy.postgresql`) keeps equal to the scope the code runs in:

* inside `scope(partnership=...)` (a request under `/p/<slug>/`, a `PartnershipTask`, a service that enters
  a scope) `app.partnership_id` holds that partnership's id: every query, raw SQL included, sees and may
  write only that partnership's rows;
* inside `cross_partnership("why")`, the one audited bypass, `app.rls_bypass` is `on`: beat tasks, platform
  pages, management commands and the like see every partnership;
* anywhere else (no scope, or django-scopes' own `scopes_disabled()` without the bypass) both are empty and
  the policy lets nothing through: no row is read, and no row can be written (WITH CHECK).

Migrations, the schema editor and the test runner's flush run as the table owner, with the bypass on.
The queries the application makes run as the role in `DATABASES["default"]["RLS_ROLE"]` (`portal_app`, a
NOLOGIN role without BYPASSRLS), which the connection switches to with SET ROLE: superusers and roles with
BYPASSRLS ignore every policy, so the superuser that dev and CI connect as would otherwise see everything.
On SQLite all of this is a no-op.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TypeVar

from django.apps import apps
from django.db import connections, transaction
from django_scopes import get_scope, scope

logger = logging.getLogger(__name__)

POLICY_NAME = "partnership_isolation"
PARTNERSHIP_SETTING = "app.partnership_id"
BYPASS_SETTING = "app.rls_bypass"
# The key under which `cross_partnership` marks the django-scopes state it enters (its reason).
BYPASS_KEY = "_rls_bypass"

OWNER = "none"  # set_config('role', 'none') is RESET ROLE: back to the role that logged in

# The rows a session may see and write. `current_setting(..., true)` is NULL when never set. Each setting is
# read in a sub-SELECT, which PostgreSQL runs once per statement (an InitPlan) instead of once per row, and
# `partnership_id = ANY (...)` can still use the partnership indexes. The text is made an array of numbers
# inside that sub-SELECT too: cast outside it, the cast ran for every row a statement scanned (about a fifth of
# matching's 12,000-leader statement). The outer cast changes nothing but makes `ANY` take the sub-SELECT's one
# value (an array), not its rows.
POLICY_EXPRESSION = (
    f"(SELECT current_setting('{BYPASS_SETTING}', true)) = 'on' OR partnership_id = ANY "
    f"((SELECT string_to_array(NULLIF(current_setting('{PARTNERSHIP_SETTING}', true), ''), ',')::bigint[])::bigint[])"
)
# Kept as the policy's comment, so that a changed expression replaces the policies of an existing database.
POLICY_VERSION = "portal tenant isolation " + hashlib.sha256(POLICY_EXPRESSION.encode()).hexdigest()[:12]

T = TypeVar("T")


@contextmanager
def cross_partnership(reason: str, *, quiet: bool = False) -> Iterator[None]:
    """The one way past tenant isolation, for work that spans partnerships. Logged with its reason.

    Turns django-scopes off (as `scopes_disabled()` does) and turns the database's row-level security
    bypass on. A `scope(partnership=...)` entered inside it is strict again (raw SQL sees that partnership
    only); a plain `scopes_disabled()` inside that is the bypass again, as the code around it said so.
    Outside any bypass, `scopes_disabled()` alone sees nothing. The request middleware clears the bypass
    for the view, so a test whose fixtures run in the bypass still sees views behave as in production.
    `quiet` logs at DEBUG instead of INFO, for lookups that run on every request (the signed-in user's
    own memberships).
    """
    if not reason:
        raise ValueError("Say why the code needs to cross partnerships.")
    logger.log(logging.DEBUG if quiet else logging.INFO, "Tenant isolation bypassed: %s", reason,
               extra={"rls_bypass": reason})
    with scope(_enabled=False, **{BYPASS_KEY: reason}):
        yield


def streamed_in_this_scope(rows: Iterable[T]) -> Iterator[T]:
    """`rows`, read later (a streamed download is read after its view returned and the request's scope closed) in
    the scope that is current now, so the database shows them the rows this scope may see: without it, the rows
    of a server-side cursor would be fetched with no partnership set, and row-level security would return none.
    The rows are read in one transaction (`_a_transaction`), so they stream."""
    captured = dict(get_scope())

    def stream() -> Iterator[T]:
        with scope(**captured), _a_transaction():
            yield from rows

    return stream()


def _a_transaction():
    """The download's own transaction, unless it is read inside one already (a test's): a server-side cursor
    declared outside a transaction is held, and PostgreSQL works out every row of it before sending the first;
    declared inside one, its rows leave a batch at a time, so a download's first bytes do not wait for its last.
    A client that goes away closes the stream, which ends the transaction."""
    connection = connections["default"]
    return nullcontext() if connection.in_atomic_block else transaction.atomic()


def partnership_scope(partnership):
    """`scope(partnership=...)` without any bypass around it: what a request's view runs in."""
    return scope(partnership=partnership, **{BYPASS_KEY: None})


def bypass_reason() -> str | None:
    """Why the current code may cross partnerships, or None when it may not."""
    current = get_scope()
    if current.get("_enabled", True):
        return None
    return current.get(BYPASS_KEY) or None


def _partnership_ids(value) -> str:
    values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
    return ",".join(str(int(getattr(item, "pk", item))) for item in values if item is not None)


def wanted_settings(connection) -> tuple[str, str, str]:
    """(role, app.partnership_id, app.rls_bypass) that the connection's session must have for the next query."""
    if connection.rls_owner_depth:
        return OWNER, "", "on"
    role = connection.rls_role if connection.rls_role_ready else OWNER
    current = get_scope()
    if current.get("_enabled", True):
        return role, _partnership_ids(current.get("partnership")), ""
    return role, "", "on" if bypass_reason() else ""


SET_SQL = (f"SELECT set_config('role', %s, false), set_config('{PARTNERSHIP_SETTING}', %s, false), "
           f"set_config('{BYPASS_SETTING}', %s, false)")
# Statements that read or write rows: the settings travel in front of them, in the same round trip.
ROW_STATEMENTS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"})
# Statements that touch no table: they run with whatever the session has, and change nothing.
TABLELESS_STATEMENTS = frozenset({"SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "BEGIN"})


def _first_word(sql) -> str:
    text = sql if isinstance(sql, str) else ""
    return text.lstrip(" \n\t(")[:12].split(None, 1)[0].upper() if text.strip(" \n\t(") else ""


def apply_settings(execute, sql, params, many, context):
    """Execute wrapper on every PostgreSQL connection: before a query, bring the session's settings in line
    with the current scope, when they differ from what it last set.

    For a statement that reads or writes rows, the `set_config` goes in front of it in the same query
    string: one round trip (if the statement fails, the settings count as unknown and go again). Other
    statements (DDL, in owner mode) get their own round trip first; savepoints need none. Django records
    one query either way, so `django_assert_num_queries` counts are unchanged.
    """
    connection = context["connection"]
    wanted = wanted_settings(connection)
    if wanted == connection.rls_applied:
        return execute(sql, params, many, context)
    verb = _first_word(sql)
    if verb in TABLELESS_STATEMENTS:
        return execute(sql, params, many, context)
    connection.validate_no_broken_transaction()
    raw_cursor = context["cursor"].cursor
    if verb in ROW_STATEMENTS and not many and getattr(raw_cursor, "name", None) is None:
        prefix = raw_cursor.mogrify(SET_SQL, wanted).decode()
        if params is not None:
            prefix = prefix.replace("%", "%%")
        connection.rls_applied = None  # unknown until the statement succeeds
        result = execute(f"{prefix}; {sql}", params, many, context)
        connection.rls_applied = wanted
        connection.rls_piggybacked += 1
        return result
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute(SET_SQL, wanted)
    connection.rls_applied = wanted
    connection.rls_switches += 1
    return execute(sql, params, many, context)


@contextmanager
def owner_mode(connection) -> Iterator[None]:
    """Run as the role that logged in (the table owner), with the bypass on: migrations, flushes, ANALYZE.
    A no-op on a connection without row-level security (SQLite)."""
    if not is_enforced(connection):
        yield
        return
    connection.rls_owner_depth += 1
    try:
        yield
    finally:
        connection.rls_owner_depth -= 1


def is_enforced(connection) -> bool:
    return connection.vendor == "postgresql" and hasattr(connection, "rls_applied")


ROLE_READY_SQL = """
SELECT EXISTS (
    SELECT 1 FROM pg_roles r
    WHERE r.rolname = %s AND NOT r.rolsuper AND NOT r.rolbypassrls
      AND pg_has_role(session_user, r.oid, %s)
      AND to_regclass('django_migrations') IS NOT NULL
      AND has_table_privilege(r.oid, to_regclass('django_migrations'), 'SELECT')
)
"""


def may_assume(raw_connection) -> str:
    """The pg_has_role privilege that allows SET ROLE: from PostgreSQL 16 a membership may withhold it."""
    return "SET" if raw_connection.info.server_version >= 160000 else "MEMBER"


def role_ready(connection, raw_connection) -> bool:
    """Whether the application role exists, may be assumed and has been granted this database's tables.
    Until the first migrate has granted them, the connection stays the role that logged in."""
    if not connection.rls_role:
        return False
    with raw_connection.cursor() as cursor:
        cursor.execute(ROLE_READY_SQL, [connection.rls_role, may_assume(raw_connection)])
        return bool(cursor.fetchone()[0])


# The abstract model every tenant table inherits; PortalConfig.ready() names it (this module is imported by
# the database backend, before models may be).
_tenant_base: type | None = None


def guard_tables_of(base: type) -> None:
    global _tenant_base
    _tenant_base = base


def partnership_owned_models() -> list[type]:
    """Every concrete model whose table holds a `partnership_id` because it inherits PartnershipOwned."""
    if _tenant_base is None:
        raise RuntimeError("No tenant base model: PortalConfig.ready() names it.")
    found = []
    for model in apps.get_models():
        if not issubclass(model, _tenant_base) or model._meta.proxy or not model._meta.managed:
            continue
        if model._meta.get_field("partnership").model is model:  # not a multi-table child: the parent has it
            found.append(model)
    return found


STATE_SQL = """
SELECT name, c.relrowsecurity, c.relforcerowsecurity,
       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %s
               AND obj_description(p.oid, 'pg_policy') = %s)
FROM unnest(%s::text[]) AS name JOIN pg_class c ON c.oid = to_regclass(quote_ident(name))
"""


def tables_state(connection) -> dict[str, tuple[bool, bool, bool]]:
    """For each tenant table that exists: (RLS enabled, RLS forced, our policy present)."""
    tables = sorted({model._meta.db_table for model in partnership_owned_models()})
    with connection.cursor() as cursor:
        cursor.execute(STATE_SQL, [POLICY_NAME, POLICY_VERSION, tables])
        return {name: (enabled, forced, policy) for name, enabled, forced, policy in cursor.fetchall()}


def install(*, using: str = "default", **kwargs) -> None:
    """Make every tenant table guarded and the application role able to work: idempotent, cheap when done.

    Connected to `post_migrate`, so it runs after every `migrate` (deploys, new test databases), and a
    PartnershipOwned model added later (in any app) is covered without a migration of its own.
    """
    connection = connections[using]
    if not is_enforced(connection):
        return
    quote = connection.ops.quote_name
    with owner_mode(connection):
        for table, (enabled, forced, has_policy) in tables_state(connection).items():
            statements = []
            if not enabled:
                statements.append(f"ALTER TABLE {quote(table)} ENABLE ROW LEVEL SECURITY")
            if not forced:
                statements.append(f"ALTER TABLE {quote(table)} FORCE ROW LEVEL SECURITY")
            if not has_policy:  # missing, or an older expression
                statements += [
                    f"DROP POLICY IF EXISTS {POLICY_NAME} ON {quote(table)}",
                    f"CREATE POLICY {POLICY_NAME} ON {quote(table)} FOR ALL "
                    f"USING ({POLICY_EXPRESSION}) WITH CHECK ({POLICY_EXPRESSION})",
                    f"COMMENT ON POLICY {POLICY_NAME} ON {quote(table)} IS '{POLICY_VERSION}'",
                ]
            if statements:
                with connection.cursor() as cursor:
                    cursor.execute("; ".join(statements))
        _grant(connection)
    connection.rls_role_ready = role_ready(connection, connection.connection)
    connection.rls_applied = None
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        user, bypasses = cursor.fetchone()
    if bypasses:
        logger.warning("The portal's queries run as %s, a superuser or a role with BYPASSRLS: PostgreSQL does not "
                       "apply the tenant policies to them. See the README, 'Tenant isolation in the database'.", user)


MISSING_GRANTS_SQL = """
SELECT current_schema(), EXISTS (
    SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'S')
      AND NOT (CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(r.oid, c.oid, 'USAGE')
                    ELSE has_table_privilege(r.oid, c.oid, 'SELECT') AND has_table_privilege(r.oid, c.oid, 'INSERT')
                     AND has_table_privilege(r.oid, c.oid, 'UPDATE') AND has_table_privilege(r.oid, c.oid, 'DELETE')
               END)
)
FROM pg_roles r WHERE r.rolname = %s
"""


def _grant(connection) -> None:
    """Grant the application role the tables and sequences of the schema, if any lack a grant."""
    role = connection.rls_role
    if not role:
        return
    with connection.cursor() as cursor:
        cursor.execute(MISSING_GRANTS_SQL, [role])
        row = cursor.fetchone()
        if row is None:
            logger.warning("The database role %s does not exist: queries run as the role that logged in. "
                           "See the README, 'Tenant isolation in the database'.", role)
            return
        schema, missing = row
        if missing:
            quote = connection.ops.quote_name
            cursor.execute(
                f"GRANT USAGE ON SCHEMA {quote(schema)} TO {quote(role)}; "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {quote(schema)} TO {quote(role)}; "
                f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {quote(schema)} TO {quote(role)}"
            )
