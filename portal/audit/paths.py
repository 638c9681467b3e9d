"""The only two ways to change audit events, both for data protection (portal.privacy), both audited there.

The PostgreSQL trigger (migrations 0002 and 0013) refuses every UPDATE and DELETE unless the transaction has
named one of these paths. Each helper must run inside the transaction that then changes the rows: the setting is
transaction-local (`set_config(..., true)`), so it ends with that transaction and cannot leak to the next one.
On SQLite (the embedded default) there is no trigger and the helpers do nothing.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction


def _set_local(name: str, value: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name} must be set inside the transaction that uses it.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def allow_pruning_before(cutoff: datetime) -> None:
    """Let this transaction delete audit events created before `cutoff` (and no others)."""
    if cutoff.tzinfo is None:
        raise ValueError("The pruning cut-off must be an aware datetime.")
    _set_local("portal.audit_prune_before", cutoff.isoformat())


def allow_erasure() -> None:
    """Let this transaction rewrite the texts of audit events (who acted, what, the values and the note), never
    their partnership, time, action, object or actor."""
    _set_local("portal.audit_erasure", "on")
