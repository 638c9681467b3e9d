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

import hashlib
from collections.abc import Callable

from deployments.brokerage.scores import Ranking
from portal.change_log import MATCHING, code_digest, kept, module_paths, version_of, without_cycle_collection

__all__ = ["CODE", "VERSION_VALUE", "key", "kept_ranking", "prune", "version", "version_of",
           "without_cycle_collection"]

# The code a kept ranking was made by: these modules' text, and the terms' rules that spread the days asked.
CODE = code_digest(*module_paths("deployments.brokerage.kept", "deployments.brokerage.matching",
                                 "deployments.brokerage.matching_sql", "deployments.brokerage.scores",
                                 "deployments.terms"))
# The version of what a partnership's ranking reads, as one value of a query the page runs first anyway
# (`{partnership}` names the partnership's column): see `portal.change_log`.
VERSION_VALUE = MATCHING.version_value
version = MATCHING.version
prune = MATCHING.prune


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
    return kept(key(partnership_id, question, data_version), compute, Ranking)
