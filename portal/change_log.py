"""Change logs (PostgreSQL): what a result kept in the cache is checked against, and the keeping itself.

A page that works out the same figures from the same rows on every view (matching's ranking, a dashboard) keeps
what it worked out in the cache under the *version* of the data it read, and uses it again only while the version
is the same. A change log is a table that statement-level triggers on every table the result reads append to, in
the transaction that changes them (deployments migrations 0013 and 0014 make `matching_change` and
`dashboard_change`, and explain why the version is exact):

* a version is (the prune epoch, how many rows, the highest id) of a partnership's rows and the shared ones, with
  who is asking (row-level security decides which rows a result sees); `()` when this transaction has changed
  the data itself, since what it sees is not yet anyone else's: such a transaction neither reads nor keeps;
* `prune` forgets the rows and moves the epoch on, so every version read after it differs from every one read
  before: a prune costs one recomputation of each result. The daily reminders task prunes every log.

`kept(entry, compute, kind)` is the cache's side: the value kept under `entry` if it is a `kind`, otherwise what
`compute` returns, kept for next time. The cache failing (Redis down, an entry that cannot be read) never fails
the page: the value is worked out as before.
"""

from __future__ import annotations

import gc
import hashlib
import logging
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Long enough to serve a day of views; the callers put today's date in their keys, so an entry never outlives
# its day's use. An entry of an older version is never read again and goes when its time is up.
TIMEOUT = 24 * 60 * 60


class ChangeLog:
    """One change log: its table `name`, its epoch in `name`_epoch, its prune function `name`_prune()."""

    def __init__(self, name: str):
        self.name = name
        # The version of what a partnership's results read, and whether this transaction changed it itself; with
        # who is asking, and the log table's own identity: a database restored from a backup has its log, its
        # epoch and its ids as they were, so after it the same (epoch, count, highest id) could name other data,
        # but its tables are new ones (another oid). One index-only scan of a few rows.
        columns = (f"(SELECT epoch FROM {name}_epoch), COUNT(*), MAX(id), "
                   "COALESCE(BOOL_OR(xact = pg_current_xact_id_if_assigned()), FALSE), current_user, "
                   "current_setting('app.partnership_id', true), current_setting('app.rls_bypass', true), "
                   f"'{name}'::regclass::oid::bigint")
        self.version_sql = f"SELECT {columns} FROM {name} WHERE partnership_id IN (0, %s)"
        # The same, as one value of a query a page runs first anyway (`{partnership}` names its partnership column).
        self.version_value = (f"SELECT json_build_array({columns}) FROM {name} "
                              "WHERE partnership_id IN (0, {partnership})")

    def version(self, partnership_id: int) -> tuple:
        """The version of the data `partnership_id`'s results read; () when this transaction changed it, or
        where there is no log (SQLite)."""
        if connection.vendor != "postgresql":
            return ()
        with connection.cursor() as cursor:
            cursor.execute(self.version_sql, [partnership_id])
            return version_of(cursor.fetchone())

    def prune(self) -> int:
        """Forget the changes recorded so far (every kept result is worked out again once); how many rows went."""
        if connection.vendor != "postgresql":
            return 0
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {self.name}_prune()")
            return cursor.fetchone()[0]


MATCHING = ChangeLog("matching_change")  # what matching's rankings read (`deployments.brokerage.kept`)
DASHBOARDS = ChangeLog("dashboard_change")  # what the dashboards' figures read (`reporting.dashboards.kept`)
LOGS = (MATCHING, DASHBOARDS)


def version_of(value) -> tuple:
    """The version from the columns of `version_sql` or the value of `version_value`."""
    epoch, count, top, mine, *asking = value
    return () if mine else (epoch, count, top, *asking)


def code_digest(*paths: Path) -> str:
    """A digest of the text of the modules a kept result was worked out by: a deploy that changes any of them
    never shows a result worked out the old way."""
    return hashlib.sha256(b"".join(path.read_bytes() for path in paths)).hexdigest()[:16]


def module_paths(*modules: str) -> list[Path]:
    """The files of `modules` (dotted names; a package stands for every module in it)."""
    root = Path(__file__).resolve().parent.parent
    paths = []
    for module in modules:
        path = root.joinpath(*module.split("."))
        paths += sorted(path.glob("*.py")) if path.is_dir() else [path.with_suffix(".py")]
    return paths


def prune_all() -> dict[str, int]:
    """Prune every change log: the rows each forgot, by log."""
    return {log.name: log.prune() for log in LOGS}


@contextmanager
def without_cycle_collection():
    """Building many small acyclic objects (a ranking's 12,000 leaders; the objects of a kept result read back)
    sets off the cyclic garbage collector over the whole process's heap for nothing (a fifth of the ranking's time;
    more than the rest of a kept view); reference counting frees them all the same."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def kept(entry: str, compute: Callable[[], T], kind: type, timeout: int = TIMEOUT) -> T:
    """The `kind` kept in the cache under `entry`, or what `compute` returns, then kept under it for `timeout`
    seconds."""
    try:
        with without_cycle_collection():
            found = cache.get(entry)
    except Exception:  # an entry that cannot be read is worked out again, never an error
        logger.warning("A kept result (%s) could not be read; working it out again.", entry, exc_info=True)
        found = None
    if isinstance(found, kind):
        return found
    worked_out = compute()
    try:
        cache.set(entry, worked_out, timeout)
    except Exception:
        logger.warning("A result (%s) could not be kept; it will be worked out again.", entry, exc_info=True)
    return worked_out
