"""The dashboards' filter form's lists (the partnership's calendar, the LAs on offer, its clusters and its need
areas, and for the take-up page its catalogues), read in one statement on PostgreSQL instead of four (or five).

Each list is what its own query gave (`calendar_for`, the LAs' query, the clusters' and the specialisms' in
`DashboardFilterForm`, kept below as `_lists_one_by_one`, which SQLite runs): the same rows in the same order,
each part numbered by its own ORDER BY and the rows put back in that order. `tests/reporting/test_filter_choices.py`
compares the two on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet

from alliances.models import Cluster, LocalAuthority, PartnershipSchool, School, Specialism
from deployments.models import SupportRequest
from portal.calendar.models import CalendarPeriod, CalendarYear
from portal.calendar.schooldays import Period
from portal.calendar.services import calendar_for
from portal.tenancy.models import Membership
from portal.written_sql import table as _table
from programmes.models import Catalogue

# The parts, in the order the statement returns them.
PERIODS, LAS, CLUSTERS, SPECIALISMS, CATALOGUES = range(5)


@dataclass
class FilterLists:
    periods: list[Period]  # `calendar_for(partnership=...)`
    las: dict[str, str]  # code -> name, by name
    clusters: list[tuple[int, str, str, str | None]]  # (pk, name, academic year, LA code), latest year first, by name
    specialisms: list[tuple[int, str, bool]]  # (pk, name, retired), by group and name
    catalogues: list[tuple[int, str, str]] | None = None  # (pk, academic year, status), by pk: when asked for


def filter_lists(*, membership: Membership, limited: QuerySet[LocalAuthority] | None,
                 catalogues: bool = False) -> FilterLists:
    """The form's lists for `membership`: with `limited` (`visible_local_authorities`, an LA officer's), those LAs,
    otherwise those the partnership works in (its schools', its clusters' and those of schools that asked); with
    `catalogues`, the partnership's catalogues too."""
    if connection.vendor != "postgresql":
        return _lists_one_by_one(membership, limited, catalogues=catalogues)
    partnership = membership.partnership.pk
    if limited is not None and isinstance(membership, Membership):  # `membership.local_authorities`, read here
        las = (f"la.code IN (SELECT link.localauthority_id FROM {_table(Membership.local_authorities.through)} link "
               "WHERE link.membership_id = %s)")
        la_params = (membership.pk,)
    elif limited is not None:  # another kind of reader (an API token): its own query
        codes, la_params = limited.order_by().values("code").query.sql_with_params()
        las = f"la.code IN ({codes})"
    else:
        las = (f"(la.code IN (SELECT s.la_id FROM {_table(PartnershipSchool)} ps JOIN {_table(School)} s "
               "ON s.urn = ps.school_id WHERE ps.partnership_id = %s) "
               f"OR la.code IN (SELECT c.la_id FROM {_table(Cluster)} c WHERE c.partnership_id = %s) "
               f"OR la.code IN (SELECT s.la_id FROM {_table(SupportRequest)} r JOIN {_table(School)} s "
               "ON s.urn = r.school_id WHERE r.partnership_id = %s))")
        la_params = (partnership,) * 3
    sql = f"""
        SELECT {PERIODS}, ROW_NUMBER() OVER (ORDER BY p.start), NULL::bigint, p.academic_year, p.kind, p.term,
               p.name, p.start, p."end",
               EXISTS (SELECT 1 FROM {_table(CalendarYear)} y WHERE y.partnership_id = p.partnership_id
                       AND y.academic_year = p.academic_year AND y.provisional)
        FROM {_table(CalendarPeriod)} p WHERE p.partnership_id = %s
        UNION ALL
        SELECT {LAS}, ROW_NUMBER() OVER (ORDER BY la.name), NULL, la.code, la.name, NULL, NULL, NULL, NULL, NULL
        FROM {_table(LocalAuthority)} la WHERE {las}
        UNION ALL
        SELECT {CLUSTERS}, ROW_NUMBER() OVER (ORDER BY c.academic_year DESC, c.name), c.id, c.name, c.academic_year,
               c.la_id, NULL, NULL, NULL, NULL
        FROM {_table(Cluster)} c WHERE c.partnership_id = %s
        UNION ALL
        SELECT {SPECIALISMS}, ROW_NUMBER() OVER (ORDER BY s."group", s.name), s.id, s.name, NULL, NULL, NULL, NULL,
               NULL, s.is_retired
        FROM {_table(Specialism)} s WHERE s.partnership_id = %s{_catalogues_sql() if catalogues else ""}
        ORDER BY 1, 2"""
    params = (partnership, *la_params, partnership, partnership, *((partnership,) if catalogues else ()))
    found = FilterLists([], {}, [], [], [] if catalogues else None)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for part, _, pk, a, b, c, d, start, end, flag in rows:
        if part == PERIODS:
            found.periods.append(Period(a, b, c, d, start, end, flag))
        elif part == LAS:
            found.las[a] = b
        elif part == CLUSTERS:
            found.clusters.append((pk, a, b, c))
        elif part == SPECIALISMS:
            found.specialisms.append((pk, a, flag))
        else:
            found.catalogues.append((pk, a, b))
    return found


def _catalogues_sql() -> str:
    """The statement's part for the catalogues (`catalogues`): (pk, academic year, status), by pk."""
    return f"""
        UNION ALL
        SELECT {CATALOGUES}, ROW_NUMBER() OVER (ORDER BY g.id), g.id, g.academic_year, g.status, NULL, NULL, NULL,
               NULL, NULL
        FROM {_table(Catalogue)} g WHERE g.partnership_id = %s"""


def _lists_one_by_one(membership: Membership, limited: QuerySet[LocalAuthority] | None, *,
                      catalogues: bool = False) -> FilterLists:
    """The four queries the form made before (and SQLite still makes); the calendar is `calendar_for`'s,
    which the statement above repeats (its periods in order of their start, each knowing whether its year is
    provisional)."""
    partnership = membership.partnership
    periods = calendar_for(partnership=partnership)
    if limited is not None:
        las = limited
    else:
        las = LocalAuthority.objects.filter(
            Q(code__in=PartnershipSchool.objects.filter(partnership=partnership).values("school__la"))
            | Q(code__in=Cluster.objects.filter(partnership=partnership).values("la"))
            | Q(code__in=SupportRequest.objects.filter(partnership=partnership).values("school__la")))
    return FilterLists(
        periods=periods,
        las=dict(las.order_by("name").values_list("code", "name")),
        clusters=list(Cluster.objects.filter(partnership=partnership).values_list(
            "pk", "name", "academic_year", "la_id").order_by("-academic_year", "name")),
        specialisms=list(Specialism.objects.filter(partnership=partnership).values_list("pk", "name", "is_retired")
                         .order_by("group", "name")),
        catalogues=list(Catalogue.objects.filter(partnership=partnership).values_list(
            "pk", "academic_year", "status").order_by("pk")) if catalogues else None,
    )
