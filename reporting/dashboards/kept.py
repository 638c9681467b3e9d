"""Kept dashboards (PostgreSQL): the figures of a dashboard worked out once are kept in the cache and shown again
while nothing they were worked out from has changed.

A dashboard is read far more often than what it counts changes: an LA officer's morning look, a steering group
meeting with the page on the screen. Working it out costs two statements over the period's requests and
deployments and the Python that makes its eight tables from them: at national scale, 4 to 5 times the floor of
a page. The figures are kept under a key made of:

* the scope, by value: the period and its terms, the filters, the LAs on offer and the LA officer's own, the
  chosen cluster, school and need area, the partnership's specialisms and its calendar (all read before, by the
  filter form), and today's date (what is overdue);
* the version of the data the figures read (`portal.change_log.DASHBOARDS`): triggers on every table the
  dashboards' statements read record each change in the transaction that makes it (deployments migration 0014);
  and who asked (the role and the tenant settings, which decide what the statements can see);
* a digest of the dashboards' own code, so a deploy that changes a figure never shows one worked out the old way.

The version is read after the scope and before the statements, so figures kept under it are at least as new as
it. A transaction that has itself changed what the dashboards read neither reads nor keeps figures, and the cache
failing never fails the page (`portal.change_log.kept`). SQLite keeps nothing: the figures are worked out on
every view.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

from portal.change_log import DASHBOARDS, code_digest, kept, module_paths
from reporting.filters import Scope

# An hour: a dashboard is looked at again within minutes (a meeting, a drill-down and back), while its data
# changes many times a day, and each change leaves the entries of the old version unread until their time is up.
TIMEOUT = 60 * 60
# The code kept figures were made by: the dashboards package, the scope's rules (what a level is, which leaders a
# phase counts, the drill-down links), the terms' and days' rules, the statuses and the written SQL's helpers.
CODE = code_digest(*module_paths("reporting.dashboards", "reporting.filters", "deployments.terms",
                                 "deployments.progress", "deployments.models", "portal.calendar.schooldays",
                                 "portal.written_sql", "portal.days", "portal.formats"))


def _row(instance, *fields: str) -> tuple | None:
    return None if instance is None else tuple(getattr(instance, name) for name in ("pk", *fields))


def scope_key(scope: Scope) -> tuple:
    """Everything the figures read from `scope`, by value."""
    calendar = scope.calendar
    return (
        scope.partnership.pk, scope.year, scope.term, tuple(scope.terms), scope.start, scope.end,
        None if scope.limited_las is None else tuple(scope.limited_las), tuple(scope.las.items()), scope.la,
        _row(scope.cluster, "name", "la_id", "academic_year"), _row(scope.school, "name"),
        scope.phase, scope.designation, _row(scope.area, "name"), tuple(scope.specialisms.items()),
        None if calendar is None else (tuple(calendar.terms), tuple(calendar.breaks), tuple(calendar.holidays)),
        scope.year_start, scope.year_end,
    )


def key(scope: Scope, today: date, data_version: tuple) -> str:
    text = repr((CODE, scope_key(scope), today, data_version))
    return "dashboards:figures:" + hashlib.sha256(text.encode()).hexdigest()


def kept_figures(scope: Scope, today: date, compute: Callable[[], dict]) -> dict:
    """The figures `compute` returns for `scope` on `today`, from the cache while the data they read is unchanged."""
    data_version = DASHBOARDS.version(scope.partnership.pk)
    if not data_version:
        return compute()
    return kept(key(scope, today, data_version), compute, dict, TIMEOUT)
