"""Take-up and income of the catalogue's services, by service, local authority and cluster, for a dashboard scope.

Definitions, written on the page too:

* a school *ordered* a service when it has an active line for any version of it on an order that was sent or
  confirmed, for the scope's academic year;
* a school *holds* a service when it has an active entitlement from it (its core entitlement, or days bought);
  days held and used are those entitlements' days and the days drawn from them by confirmed visits;
* income is the sum of the charge lines for the academic year (credits count negative), by the service they are
  for; lines for no service are listed as "Other charges".

A fixed number of queries whatever the data size: the partnership's catalogues (with the filters), its services
(no joins: named and versioned in Python), three aggregates joined to their schools only (services ordered, from
counts triggers keep in PostgreSQL; days held; income, from kept sums) and the clusters. On PostgreSQL the three
aggregates, the clusters and the services are one statement that also adds the figures up by service and by
school (`takeup_sql`: a few hundred rows instead of thousands to add up here), and the catalogues come with the
filter form's lists. LA officers see take-up but never a school's spending, so income is neither read nor shown
for them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, F, QuerySet, Sum, Value
from django.db.models.expressions import RawSQL

from alliances.models import ClusterSchool, School
from programmes.models import (
    Catalogue,
    CatalogueStatus,
    ChargeLine,
    Entitlement,
    EntitlementStatus,
    OrderLine,
    OrderLineStatus,
    OrderStatus,
    SchoolServiceOrders,
    SchoolYearCharges,
    Service,
)
from reporting import takeup_sql
from reporting.dashboards.figures import NO_CLUSTER, Table
from reporting.filters import DashboardFilterForm, Scope

ORDERED = (OrderStatus.SUBMITTED, OrderStatus.CONFIRMED)
OTHER = "Other charges"


@dataclass
class Tally:
    """One row's figures: distinct schools that ordered and that hold, days held and used, income."""

    ordered: set = field(default_factory=set)
    holding: set = field(default_factory=set)
    days: Decimal = Decimal(0)
    used: Decimal = Decimal(0)
    income: Decimal = Decimal(0)

    def figures(self) -> tuple:
        return len(self.ordered), len(self.holding), self.days, self.used, self.income


@dataclass
class TakeUp:
    scope: Scope
    show_money: bool
    tables: list[Table]


class TakeUpFilterForm(DashboardFilterForm):
    """The dashboards' filters, whose years also include every year with a published catalogue. The partnership's
    catalogues are read whole (a handful of rows, with the filters' lists: `read_catalogues`) and kept for the
    figures (`catalogues`)."""

    read_catalogues = True

    def __init__(self, data, *, membership):
        super().__init__(data, membership=membership)
        known = {year for year, _ in self.fields["year"].choices}
        years = {year for _, year, status in self.catalogues if status == CatalogueStatus.PUBLISHED}
        self.fields["year"].choices = [(year, year) for year in sorted(known | years, reverse=True)]


def partnership_catalogues(partnership) -> list[tuple[int, str, str]]:
    """(pk, academic year, status) of each of the partnership's catalogues."""
    return list(Catalogue.objects.filter(partnership=partnership).values_list("pk", "academic_year", "status")
                .order_by())


@dataclass
class Services:
    """The year's catalogues and the partnership's services, read in one query without joins (a few dozen rows)."""

    catalogues: list[int]  # every catalogue of the scope's year, whatever its status (orders are on any)
    names: dict[str, tuple[int, str]]  # each lineage of the year's published catalogue: (position, latest name)
    lineage_of: dict[int, str]  # every service of the partnership: its lineage, as text


def _services(scope: Scope, catalogues: list[tuple[int, str, str]]) -> Services:
    rows = Service.objects.filter(partnership=scope.partnership).values_list(
        "pk", "lineage", "version", "position", "name", "catalogue_id").order_by()
    return services_named(scope, catalogues, rows)


def services_named(scope: Scope, catalogues: list[tuple[int, str, str]], rows) -> Services:
    """`Services` of the partnership's catalogues and its services' rows (pk, lineage (a UUID, or its text),
    version, position, name, catalogue)."""
    year = year_catalogues(scope, catalogues)
    published = {pk for pk, academic_year, status in catalogues
                 if academic_year == scope.year and status == CatalogueStatus.PUBLISHED}
    lineage_of, listed = {}, []
    for pk, lineage, version, position, name, catalogue in rows:
        lineage_of[pk] = text = str(lineage)
        if catalogue in published:
            listed.append((text, version, position, name))
    # By lineage (its text sorts as the UUID does), then version: a lineage's latest version wins.
    listed.sort(key=lambda row: (row[0], row[1]))
    return Services(year, {text: (position, name) for text, _, position, name in listed}, lineage_of)


def year_catalogues(scope: Scope, catalogues: list[tuple[int, str, str]]) -> list[int]:
    """The scope's year's catalogues, whatever their status (orders are on any)."""
    return [pk for pk, academic_year, _ in catalogues if academic_year == scope.year]


def ordered_services(scope: Scope, catalogues: list[int] | None = None) -> list[tuple[int, str, str]]:
    """(service, school, LA) for each service a school has an active line for on a sent or confirmed order of the
    scope's academic year (`catalogues`: that year's catalogues, when known). On PostgreSQL from the counts
    triggers keep of those lines (`programmes.SchoolServiceOrders`: a thousand rows where the lines are 20,000 at
    scale), skipping counts whose lines are all gone; elsewhere from the lines. Both give the same rows
    (`tests/reporting/test_takeup_ordered.py`)."""
    if connection.vendor != "postgresql":
        return ordered_lines(scope)
    return list(_ordered_counts(scope, catalogues))


def _ordered_counts(scope: Scope, catalogues: list[int] | None, *lead, trail=()) -> QuerySet:
    """`ordered_services`' query (PostgreSQL), with `lead` and `trail` columns around its own."""
    counts = SchoolServiceOrders.objects.filter(scope.school_q(), partnership=scope.partnership, lines__gt=0)
    if catalogues is None:
        counts = counts.filter(catalogue__academic_year=scope.year)
    else:
        counts = counts.filter(catalogue_id__in=catalogues)
    return counts.values_list(*lead, "service_id", "school_id", "school__la_id", *trail).order_by().distinct()


def ordered_lines(scope: Scope) -> list[tuple[int, str, str]]:
    """`ordered_services` read from the order lines themselves."""
    # order_by(): without it the model's ordering joins the DISTINCT, one row per order line instead of per school
    return list(OrderLine.objects.filter(
        scope.school_q("order__school"), partnership=scope.partnership, status=OrderLineStatus.ACTIVE,
        order__status__in=ORDERED, order__catalogue__academic_year=scope.year).values_list(
        "service_id", "order__school_id", "order__school__la_id").order_by().distinct())


def _held(scope: Scope, *lead) -> QuerySet:
    """(service, school, LA, days held, days used) from the scope's active entitlements, after `lead` columns."""
    return Entitlement.objects.filter(
        scope.school_q(), partnership=scope.partnership, status=EntitlementStatus.ACTIVE,
        academic_year=scope.year).values_list(*lead, "service_id", "school_id", "school__la_id").annotate(
        days=Sum("days"), used=Sum("used")).order_by()


def income_sums(scope: Scope) -> list[tuple[int | None, str, str | None, object]]:
    """(service, school, the school's LA, amount) for every service and school with charge lines in the scope's
    academic year. On PostgreSQL from the sums triggers keep of the lines (`programmes.SchoolYearCharges`: a few
    thousand rows where the lines are 100,000 at scale, joined to their schools), skipping sums whose lines are all
    gone; elsewhere from the lines, whose schools' LAs are then read."""
    if connection.vendor != "postgresql":
        sums = list(ChargeLine.objects.filter(scope.school_q(), partnership=scope.partnership,
                                              academic_year=scope.year).values_list("service_id", "school_id")
                    .annotate(amount=Sum("amount")).order_by())
        la_of = dict(School.objects.filter(urn__in={urn for _, urn, _ in sums}).values_list("urn", "la_id"))
        return [(service, urn, la_of.get(urn), amount) for service, urn, amount in sums]
    return [(service, school, la, amount) for service, school, la, amount, _ in _kept_income(scope)]


def _kept_income(scope: Scope, *lead) -> QuerySet:
    """`income_sums`' query on PostgreSQL, after `lead` columns, with the lines counted last."""
    return SchoolYearCharges.objects.filter(
        scope.school_q(), partnership=scope.partnership, academic_year=scope.year).values_list(
        *lead, "service_id", "school_id", "school__la_id").annotate(
        amount=Sum(F("charged") + F("credited")), lines=Sum(F("charge_lines") + F("credit_lines"))).filter(
        lines__gt=0).order_by()


ORDERED_ROW, HELD_ROW, INCOME_ROW = 0, 1, 2


def _figures(scope: Scope, catalogues: list[int], show_money: bool) -> tuple[list, list, list]:
    """The rows of services ordered (service, school, LA), days held (..., days, used) and income (..., amount;
    none without `show_money`). On PostgreSQL in one statement, the three aggregates' rows one after another
    (UNION ALL), each marked with what it is; elsewhere in three. (The page reads them so on SQLite; on PostgreSQL
    this is the reference `takeup_sql` is compared with.)"""
    if connection.vendor != "postgresql":
        return (ordered_lines(scope), list(_held(scope)), income_sums(scope) if show_money else [])
    nothing = RawSQL("NULL::numeric", (), output_field=DecimalField())  # typed: a bare NULL under DISTINCT is text
    parts = [_held(scope, Value(HELD_ROW))]
    if show_money:
        parts.append(_kept_income(scope, Value(INCOME_ROW)))
    found: tuple[list, list, list] = ([], [], [])
    for kind, *row in _ordered_counts(scope, catalogues, Value(ORDERED_ROW), trail=(nothing, nothing)).union(
            *parts, all=True):
        found[kind].append(row)
    return ([row[:3] for row in found[ORDERED_ROW]], found[HELD_ROW], [row[:4] for row in found[INCOME_ROW]])


def _clusters(scope: Scope) -> dict[str, list[str]]:
    """The clusters of the year each school belongs to (in no order: the table is sorted by name)."""
    found = defaultdict(list)
    for urn, name in ClusterSchool.objects.filter(
            cluster__partnership=scope.partnership, cluster__academic_year=scope.year).values_list(
            "school_id", "cluster__name").order_by():
        found[urn].append(name)
    return found


def take_up(*, scope: Scope, show_money: bool, catalogues: list[tuple[int, str, str]] | None = None) -> TakeUp:
    """The three tables. `catalogues`: the partnership's, as `TakeUpFilterForm` read them (read again if not).
    On PostgreSQL the services and the figures added up are one statement (`takeup_sql`); elsewhere the services
    are read (`_services`) and the figures added up here (`tallies_by_orm`)."""
    catalogues = partnership_catalogues(scope.partnership) if catalogues is None else catalogues
    if connection.vendor == "postgresql":
        service_rows, by_service, schools = takeup_sql.tallies(scope, year_catalogues(scope, catalogues), show_money,
                                                               OTHER)
        services = services_named(scope, catalogues, service_rows)
    else:
        services = _services(scope, catalogues)
        by_service, schools = tallies_by_orm(scope, services, show_money)
    return _tables(scope, show_money, services.names, by_service, schools)


def tallies_by_orm(scope: Scope, services: Services, show_money: bool) -> tuple[dict, list]:
    """The figures by service lineage and by school, from the rows `_figures` reads, as `takeup_sql.tallies` gives
    them: ({lineage: [schools that ordered, schools holding, days held, days used, income]}, [(school, LA,
    clusters, ordered, holding, days held, days used, income, has income)])."""
    lineage_of = services.lineage_of
    by_service: dict[str, Tally] = {}
    schools: dict[str, list] = {}  # school: [LA, ordered, holding, days held, days used, income, with income]

    def counted(key: str, urn: str, la) -> tuple[Tally, list]:
        tally = by_service.get(key)
        if tally is None:
            tally = by_service[key] = Tally()
        school = schools.get(urn)
        if school is None:
            school = schools[urn] = [la, False, False, Decimal(0), Decimal(0), Decimal(0), False]
        return tally, school

    ordered, held, income = _figures(scope, services.catalogues, show_money)
    for service, urn, la in ordered:
        if service in lineage_of:  # (as a join to the services would)
            tally, school = counted(lineage_of[service], urn, la)
            tally.ordered.add(urn)
            school[1] = True
    for service, urn, la, days, used in held:
        if service in lineage_of:
            tally, school = counted(lineage_of[service], urn, la)
            tally.holding.add(urn)
            tally.days += days or 0
            tally.used += used or 0
            school[2] = True
            school[3] += days or 0
            school[4] += used or 0
    if show_money:
        for service, urn, la, amount in income:
            tally, school = counted(lineage_of.get(service, OTHER), urn, la)
            tally.income += amount or 0
            school[5] += amount or 0
            school[6] = True
    clusters = _clusters(scope)
    return ({key: [len(t.ordered), len(t.holding), t.days, t.used, t.income] for key, t in by_service.items()},
            [(urn, la, clusters.get(urn) or [], *figures) for urn, (la, *figures) in schools.items()])


def _tables(scope: Scope, show_money: bool, names: dict, by_service: dict, schools: list) -> TakeUp:
    """The tables of the figures by service (`by_service`: every service of the published catalogue is listed,
    taken up or not) and of the schools' (`schools`) by LA and by cluster, each school counted once in each."""
    # In the order the services were read (a tie in the sort keeps it), then those taken up from elsewhere.
    by_service = {**{lineage: [0, 0, Decimal(0), Decimal(0), Decimal(0)] for lineage in names}, **by_service}
    by_la, by_cluster = defaultdict(Tally), defaultdict(Tally)
    for urn, la, clusters, ordered, holding, days, used, income, paid in schools:
        for tally in [by_la[la]] + [by_cluster[name] for name in clusters or [NO_CLUSTER]]:
            if ordered:
                tally.ordered.add(urn)
            if holding:
                tally.holding.add(urn)
                tally.days += days
                tally.used += used
            if paid:
                tally.income += income
    service_order = sorted(by_service, key=lambda key: (key == OTHER, names.get(key, (0, key))))
    service_rows = [(names.get(key, (0, key))[1], *by_service[key]) for key in service_order]
    la_rows = [(scope.las.get(code, code or "Unknown"), *by_la[code].figures()) for code in sorted(
        by_la, key=lambda c: scope.las.get(c, c or ""))]
    cluster_rows = [(name, *by_cluster[name].figures())
                    for name in sorted(by_cluster, key=lambda n: (n == NO_CLUSTER, n))]
    return TakeUp(scope=scope, show_money=show_money, tables=[
        _table("service", "By service", "Service", service_rows, show_money),
        _table("la", "By local authority", "Local authority", la_rows, show_money),
        _table("cluster", "By cluster", "Cluster", cluster_rows, show_money),
    ])


def _table(key: str, title: str, first: str, rows: list[tuple], show_money: bool) -> Table:
    """`rows`: (label, schools that ordered, schools holding, days held, days used, income)."""
    header = [first, "Schools that ordered", "Schools holding days", "Days held", "Days used"]
    if show_money:
        header.append("Income")
    table = Table(key, title, header)
    for label, ordered, holding, days, used, income in rows:
        row = [label, ordered, holding, days, used]
        if show_money:
            row.append(income)
        table.rows.append(row)
    return table
