"""Kept rankings (PostgreSQL): a ranking worked out once is kept in the cache and shown again while nothing it was
worked out from has changed.

Scoring 12,000 leaders costs the database about 3 microseconds a leader on every view, so the matching page keeps
what `matching.ranking` returned, under a key made of:

* everything the question is (the supported school's values the rules read, the need areas, the days and dates
  asked, the support level, the page's filters and limits, the request, today's date), by value;
* the version of the data the ranking reads: (prune epoch, how many rows, highest id) of `matching_change`, the
  partnership's rows and the shared ones, which triggers on every table the ranking reads append to in the
  transaction that changes it (deployments migration 0013 explains why that is exact); and who asked (the role
  and the tenant settings, which decide what the ranking can see);
* a digest of the ranking's own code, so a deploy that changes it never shows a ranking worked out the old way.

The version is read before anything the ranking reads, so a ranking kept under it is at least as new as it: any
change committed after the version was read moves the version on, and the next view works the ranking out again.
The page reads it with the request (`selectors.with_ranking_inputs`), the first query of its own.
A transaction that has itself changed what matching reads (its own rows in `matching_change`) neither reads nor
keeps a ranking: what it sees is not yet anyone else's. The cache failing (Redis down, an entry that cannot be
read) never fails the page: the ranking is worked out as before.
"""

from __future__ import annotations

import gc
import hashlib
import logging
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from django.core.cache import cache
from django.db import connection

from deployments.brokerage.scores import Ranking

logger = logging.getLogger(__name__)

# Long enough to serve a day of views; today's date is in the key, so an entry never outlives its day's use.
TIMEOUT = 24 * 60 * 60
# The code a kept ranking was made by: these modules' text.
CODE = hashlib.sha256(b"".join(
    (Path(__file__).parent / name).read_bytes() for name in ("kept.py", "matching.py", "matching_sql.py", "scores.py")
)).hexdigest()[:16]
# The version of what a partnership's ranking reads, and whether this transaction has changed it itself; with who
# is asking (row-level security decides which rows the ranking sees). One index-only scan of a few rows.
VERSION_COLUMNS = (
    "(SELECT epoch FROM matching_change_epoch), COUNT(*), MAX(id), "
    "COALESCE(BOOL_OR(xact = pg_current_xact_id_if_assigned()), FALSE), current_user, "
    "current_setting('app.partnership_id', true), current_setting('app.rls_bypass', true)")
VERSION_SQL = f"SELECT {VERSION_COLUMNS} FROM matching_change WHERE partnership_id IN (0, %s)"
# The same, as one value of a query the page runs first anyway (`{partnership}` names the partnership's column).
VERSION_VALUE = f"SELECT json_build_array({VERSION_COLUMNS}) FROM matching_change WHERE partnership_id IN (0, {{partnership}})"
PRUNE_SQL = "SELECT matching_change_prune()"


@contextmanager
def without_cycle_collection():
    """Building many small acyclic objects (a ranking's 12,000 leaders; the 2,000 objects of a kept ranking read
    back) sets off the cyclic garbage collector over the whole process's heap for nothing (a fifth of the ranking's
    time; more than the rest of a kept view); reference counting frees them all the same."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def version(partnership_id: int) -> tuple:
    """The version of the data `partnership_id`'s ranking reads; () when this transaction changed it."""
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL, [partnership_id])
        return version_of(cursor.fetchone())


def version_of(value) -> tuple:
    """The version from the columns of VERSION_SQL or the value of VERSION_VALUE."""
    epoch, count, top, mine, *asking = value
    return () if mine else (epoch, count, top, *asking)


def key(partnership_id: int, question: tuple, data_version: tuple) -> str:
    text = repr((CODE, partnership_id, question, data_version))
    return "matching:ranking:" + hashlib.sha256(text.encode()).hexdigest()


def kept_ranking(partnership_id: int, question: tuple, compute: Callable[[], Ranking],
                 data_version: tuple | None = None) -> Ranking:
    """The ranking `compute` returns for `question`, from the cache while the data it reads is unchanged.
    `data_version`, when the caller read it (`version_of`) before anything the ranking is asked about, saves
    reading it here."""
    if data_version is None:
        data_version = version(partnership_id)
    if not data_version:
        return compute()
    entry = key(partnership_id, question, data_version)
    try:
        with without_cycle_collection():
            found = cache.get(entry)
    except Exception:  # an entry that cannot be read is worked out again, never an error
        logger.warning("A kept ranking could not be read; working it out again.", exc_info=True)
        found = None
    if isinstance(found, Ranking):
        return found
    worked_out = compute()
    try:
        cache.set(entry, worked_out, TIMEOUT)
    except Exception:
        logger.warning("A ranking could not be kept; it will be worked out again.", exc_info=True)
    return worked_out


def prune() -> int:
    """Forget the changes recorded so far (every kept ranking is worked out again once); how many rows went."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(PRUNE_SQL)
        return cursor.fetchone()[0]
