"""The only two ways to change audit events, both for data protection (portal.privacy), both audited there.

The PostgreSQL trigger (migrations 0002 and 0013) refuses every UPDATE and DELETE unless the transaction has
named one of these paths. Each is a context manager used inside the transaction that changes the rows: the
setting is transaction-local (`set_config(..., true)`) and is cleared again when the block ends, so it never
outlives the block, even inside a longer transaction (a failed block's savepoint or transaction rolls it back).
On SQLite (the embedded default) there is no trigger and the helpers do nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, transaction


def _set_local(name: str, value: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name} must be set inside the transaction that uses it.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


@contextmanager
def pruning_before(cutoff: datetime) -> Iterator[None]:
    """Inside the block, audit events created before `cutoff` (and no others) may be deleted."""
    if cutoff.tzinfo is None:
        raise ValueError("The pruning cut-off must be an aware datetime.")
    _set_local("portal.audit_prune_before", cutoff.isoformat())
    yield
    _set_local("portal.audit_prune_before", "")


@contextmanager
def erasing() -> Iterator[None]:
    """Inside the block, the texts of audit events (who acted, what, the values and the note) may be rewritten,
    never their partnership, time, action, object or actor."""
    _set_local("portal.audit_erasure", "on")
    yield
    _set_local("portal.audit_erasure", "")
