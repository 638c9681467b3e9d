"""The take-up page's figures added up by PostgreSQL, in one statement.

`takeup` read the rows of services ordered, days held and income per service and school (two thousand at scale,
each turned into Python objects and added up in Python) and the clusters of the year in a second statement.
Here the same rows, from the same tables under the same filters (the scope's reach as `Scope.school_q` gives
it, through `reporting.dashboards.sql.school_reach`), are added up where they are read: one row per service
lineage (schools that ordered and that hold it, days held and used, income) and one per school (whether it
ordered and holds anything, its days and income, its LA and its clusters of the year), and the partnership's
services are read with them. SQLite (and `takeup.tallies_by_orm`, the reference) keep the querysets;
`tests/reporting/test_takeup_sql.py` compares the two for each filter.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from alliances.models import Cluster, ClusterSchool, School
from portal.written_sql import in_list as _in
from portal.written_sql import table as _table
from programmes.models import Entitlement, EntitlementStatus, SchoolServiceOrders, SchoolYearCharges, Service
from reporting.dashboards.sql import school_reach as reach
from reporting.filters import Scope

ZERO = Decimal(0)


# {Model} is its table; {catalogues}, the reaches ({ordered_reach}...) with their joins ({ordered_join}...) and
# {income} are filled in for the filters. Each part of `found` is one of `takeup`'s three aggregates: (kind,
# service, school, days held, days used, amount). `named` is by service lineage and school: a lineage's versions
# count a school once. A service of another partnership (never visible under row-level security) counts as no
# service, as `takeup`'s mapping of services to lineages makes it: left out of ordered and held, and "Other
# charges" for income. Grouped by hashing (no sort): the lineages are compared as UUIDs, not text.
STATEMENT = """
        SELECT * FROM (WITH found AS (
            SELECT 0 AS kind, o.service_id, o.school_id, NULL::numeric AS days, NULL::numeric AS used,
                   NULL::numeric AS amount
            FROM {SchoolServiceOrders} o{ordered_join}
            WHERE o.partnership_id = %s AND o.lines > 0 AND o.catalogue_id IN {catalogues}{ordered_reach}
            UNION ALL
            SELECT 1, e.service_id, e.school_id, SUM(e.days), SUM(e.used), NULL
            FROM {Entitlement} e{held_join}
            WHERE e.partnership_id = %s AND e.status = {active} AND e.academic_year = %s{held_reach}
            GROUP BY e.service_id, e.school_id{income}),
        named AS (
            SELECT v.lineage, f.school_id, bool_or(f.kind = 0) AS ordered, bool_or(f.kind = 1) AS holding,
                   SUM(f.days) AS days, SUM(f.used) AS used, SUM(f.amount) AS amount, bool_or(f.kind = 2) AS paid
            FROM found f LEFT JOIN {Service} v ON v.id = f.service_id AND v.partnership_id = %s
            WHERE f.kind = 2 OR v.id IS NOT NULL
            GROUP BY v.lineage, f.school_id)
        SELECT 0, lineage::text, NULL::text, COUNT(*) FILTER (WHERE ordered), COUNT(*) FILTER (WHERE holding),
               SUM(days), SUM(used), SUM(amount), FALSE, NULL::text[]
        FROM named GROUP BY lineage
        UNION ALL
        SELECT 1, g.school_id, s.la_id, g.ordered, g.holding, g.days, g.used, g.amount, g.paid, c.names
        FROM (SELECT school_id, COUNT(*) FILTER (WHERE ordered) AS ordered, COUNT(*) FILTER (WHERE holding) AS holding,
                     SUM(days) AS days, SUM(used) AS used, SUM(amount) AS amount, bool_or(paid) AS paid
              FROM named GROUP BY school_id) g
             JOIN {School} s ON s.urn = g.school_id
             LEFT JOIN (SELECT cs.school_id, array_agg(cl.name) AS names
                        FROM {ClusterSchool} cs JOIN {Cluster} cl ON cl.id = cs.cluster_id
                        WHERE cl.partnership_id = %s AND cl.academic_year = %s GROUP BY cs.school_id) c
                  ON c.school_id = g.school_id
        UNION ALL
        SELECT 2, v.lineage::text, v.name, v.id, v.version, v.position::numeric, v.catalogue_id::numeric, NULL, FALSE,
               NULL
        FROM {Service} v WHERE v.partnership_id = %s) figures"""
INCOME = """
            UNION ALL
            SELECT 2, y.service_id, y.school_id, NULL, NULL, SUM(y.charged + y.credited)
            FROM {SchoolYearCharges} y{income_join}
            WHERE y.partnership_id = %s AND y.academic_year = %s{income_reach}
            GROUP BY y.service_id, y.school_id HAVING SUM(y.charge_lines + y.credit_lines) > 0"""


def _sql(template: str, **pieces) -> str:
    tables = {model.__name__: _table(model) for model in (
        Cluster, ClusterSchool, Entitlement, School, SchoolServiceOrders, SchoolYearCharges, Service)}
    return template.format(**tables, **pieces)


def tallies(scope: Scope, catalogues: list[int], show_money: bool, other: str) -> tuple[list, dict, list]:
    """The partnership's services as `takeup._services` reads them (pk, lineage as text, version, position, name,
    catalogue), and what `takeup.tallies_by_orm` gives, added up by PostgreSQL: ({lineage as text, or `other` for
    income for no service: [schools that ordered, schools holding, days held, days used, income]}, [(school, its
    LA, its clusters of the year, ordered, holding, days held, days used, income, has income) per school])."""
    partnership = scope.partnership.pk
    params: list = [partnership]
    catalogue_list = _in(catalogues, params)
    # The school is joined where the reach asks about it (its LA or phase): the rows are only named otherwise.
    school = scope.limited_las is not None or bool(scope.la) or bool(scope.phase)
    pieces = {"catalogues": catalogue_list, "active": "'" + EntitlementStatus.ACTIVE.value + "'", "income": ""}
    pieces["ordered_join"] = _join(school, "o")
    pieces["ordered_reach"] = reach(scope, "o.school_id", "s", params)
    params.extend([partnership, scope.year])
    pieces["held_join"] = _join(school, "e")
    pieces["held_reach"] = reach(scope, "e.school_id", "s", params)
    if show_money:
        params.extend([partnership, scope.year])
        pieces["income"] = _sql(INCOME, income_join=_join(school, "y"),
                                income_reach=reach(scope, "y.school_id", "s", params))
    params.extend([partnership, partnership, scope.year, partnership])
    with connection.cursor() as cursor:
        cursor.execute(_sql(STATEMENT, **pieces), params)
        rows = cursor.fetchall()
    services, by_service, schools = [], {}, []
    for kind, key, la, ordered, holding, days, used, amount, paid, clusters in rows:
        if kind == 0:
            by_service[other if key is None else key] = [ordered, holding, days or ZERO, used or ZERO,
                                                         amount or ZERO]
        elif kind == 1:
            schools.append((key, la, clusters or [], ordered > 0, holding > 0, days or ZERO, used or ZERO,
                            amount or ZERO, paid))
        else:  # a service: (pk, lineage, version, position, name, catalogue), as `takeup._services` reads them
            services.append((ordered, key, holding, int(days), la, int(used)))
    return services, by_service, schools


def _join(school: bool, alias: str) -> str:
    return f" JOIN {_table(School)} s ON s.urn = {alias}.school_id" if school else ""
