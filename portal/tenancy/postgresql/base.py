"""Django's PostgreSQL backend, plus what row-level security needs from each connection.

* Each new connection checks (one query) whether the application role is ready, and the session settings
  are then brought in line with the scope before any query (`rls.apply_settings`, an execute wrapper).
* A rollback may undo those settings (SET is transactional), so after one they are treated as unknown and
  set again before the next query.
* The schema editor (migrations) and the flush of the test runner run as the owner, bypassing the policies.
"""

from __future__ import annotations

from django.conf import settings
from django.db.backends.postgresql import base, operations, schema

from portal.tenancy import rls
from portal.tenancy.postgresql.prepared import PreparingCursor, Statements


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def __enter__(self):
        self.connection.rls_owner_depth += 1
        try:
            return super().__enter__()
        except BaseException:
            self.connection.rls_owner_depth -= 1
            raise

    def __exit__(self, exc_type, exc_value, traceback):
        try:
            return super().__exit__(exc_type, exc_value, traceback)
        finally:
            self.connection.rls_owner_depth -= 1


class DatabaseOperations(operations.DatabaseOperations):
    def execute_sql_flush(self, sql_list):
        with rls.owner_mode(self.connection):
            return super().execute_sql_flush(sql_list)

    def last_executed_query(self, cursor, sql, params):
        """A prepared statement's run is logged as the statement it runs, with its parameters, not `EXECUTE`."""
        shown = getattr(cursor, "shown", None)
        if shown is not None:
            head, body, values = shown
            text = cursor.mogrify(body, values).decode()
            return f"{head.replace('%%', '%')}; {text}" if head else text
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    ops_class = DatabaseOperations

    def __init__(self, settings_dict, alias="default"):
        super().__init__(settings_dict, alias)
        self.rls_role = settings_dict.get("RLS_ROLE", "")
        self.rls_role_ready = False
        # What the session was last set to: (role, app.partnership_id, app.rls_bypass); None when unknown.
        self.rls_applied: tuple[str, str, str] | None = None
        self.rls_owner_depth = 0
        self.rls_switches = 0  # round trips spent on set_config alone, for tests and measurements
        self.rls_piggybacked = 0  # set_config sent in front of a statement, in its round trip
        self.execute_wrappers.append(rls.apply_settings)
        self.prepared_statements = Statements() if settings_dict.get("PREPARED_STATEMENTS") else None

    def get_connection_params(self):
        """With JIT compilation off unless the settings keep it (`JIT`, from DATABASE_JIT)."""
        params = super().get_connection_params()
        if not self.settings_dict.get("JIT", True):
            params["options"] = f"{params.get('options', '')} -c jit=off".strip()
        return params

    def init_connection_state(self):
        super().init_connection_state()
        if self.prepared_statements is not None:
            self.prepared_statements.forget()  # a new session has none
        # A new session logged in as itself with neither setting: nothing to set until the scope asks.
        self.rls_applied = (rls.OWNER, "", "")
        self.rls_role_ready = rls.role_ready(self, self.connection)
        if not self.get_autocommit():
            self.connection.commit()

    def create_cursor(self, name=None):
        if name or self.prepared_statements is None:
            return super().create_cursor(name)
        cursor = self.connection.cursor(cursor_factory=PreparingCursor)
        cursor.statements = self.prepared_statements
        cursor.tzinfo_factory = self.tzinfo_factory if settings.USE_TZ else None
        return cursor

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self.rls_applied = None

    def _savepoint_rollback(self, sid):
        try:
            return super()._savepoint_rollback(sid)
        finally:
            self.rls_applied = None
