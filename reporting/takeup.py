"""Take-up and income of the catalogue's services, by service, local authority and cluster, for a dashboard scope.

Definitions, written on the page too:

* a school *ordered* a service when it has an active line for any version of it on an order that was sent or
  confirmed, for the scope's academic year;
* a school *holds* a service when it has an active entitlement from it (its core entitlement, or days bought);
  days held and used are those entitlements' days and the days drawn from them by confirmed visits;
* income is the sum of the charge lines for the academic year (credits count negative), by the service they are
  for; lines for no service are listed as "Other charges".

A fixed number of queries whatever the data size: the services, three aggregates (services ordered, from counts
triggers keep in PostgreSQL; days held; income, with its schools' LAs and a small look-up naming its services) and
the clusters. LA officers see take-up but never a
school's spending, so income is neither read nor shown for them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import F, Sum

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


@dataclass
class TakeUp:
    scope: Scope
    show_money: bool
    tables: list[Table]


class TakeUpFilterForm(DashboardFilterForm):
    """The dashboards' filters, whose years also include every year with a published catalogue (one query)."""

    def __init__(self, data, *, membership):
        super().__init__(data, membership=membership)
        known = {year for year, _ in self.fields["year"].choices}
        years = set(Catalogue.objects.filter(partnership=membership.partnership, status=CatalogueStatus.PUBLISHED)
                    .values_list("academic_year", flat=True))
        self.fields["year"].choices = [(year, year) for year in sorted(known | years, reverse=True)]


def _names(scope: Scope) -> dict[str, tuple[int, str]]:
    """1. Each service (lineage) of the year's catalogue: its position and the name of its latest version."""
    rows = Service.objects.filter(partnership=scope.partnership, catalogue__academic_year=scope.year,
                                  catalogue__status=CatalogueStatus.PUBLISHED).values_list(
        "lineage", "version", "position", "name").order_by("lineage", "version")
    return {str(lineage): (position, name) for lineage, _, position, name in rows}


def _rows(scope: Scope, show_money: bool) -> list[tuple[str, str, str, str, object]]:
    """2-4. (what, lineage, school, LA, value) per service and school: lines ordered, days held and income."""
    where = {"partnership": scope.partnership}
    rows = []
    for lineage, urn, la in ordered_services(scope):
        rows.append(("ordered", str(lineage), urn, la, None))
    for lineage, urn, la, days, used in Entitlement.objects.filter(
            scope.school_q(), **where, status=EntitlementStatus.ACTIVE, academic_year=scope.year).values_list(
            "service__lineage", "school_id", "school__la_id").annotate(days=Sum("days"), used=Sum("used")).order_by():
        rows.append(("holding", str(lineage), urn, la, (days, used)))
    if show_money:
        rows += _income(scope)
    return rows


def ordered_services(scope: Scope) -> list[tuple[object, str, str]]:
    """(lineage, school, LA) for each service a school has an active line for on a sent or confirmed order of the
    scope's academic year. On PostgreSQL from the counts triggers keep of those lines
    (`programmes.SchoolServiceOrders`: a thousand rows where the lines are 20,000 at scale), skipping counts whose
    lines are all gone; elsewhere from the lines. Both give the same rows (`tests/reporting/test_takeup_ordered.py`)."""
    if connection.vendor != "postgresql":
        return ordered_lines(scope)
    return list(SchoolServiceOrders.objects.filter(
        scope.school_q(), partnership=scope.partnership, catalogue__academic_year=scope.year, lines__gt=0)
        .values_list("service__lineage", "school_id", "school__la_id").order_by().distinct())


def ordered_lines(scope: Scope) -> list[tuple[object, str, str]]:
    """`ordered_services` read from the order lines themselves."""
    # order_by(): without it the model's ordering joins the DISTINCT, one row per order line instead of per school
    return list(OrderLine.objects.filter(
        scope.school_q("order__school"), partnership=scope.partnership, status=OrderLineStatus.ACTIVE,
        order__status__in=ORDERED, order__catalogue__academic_year=scope.year).values_list(
        "service__lineage", "order__school_id", "order__school__la_id").order_by().distinct())


def _income(scope: Scope) -> list[tuple[str, str, str, str, object]]:
    """Income per service and school. The year's charge lines (100,000 at scale) are summed by their own columns,
    without joining services row by row; the few services found are named afterwards."""
    lineage_of = dict(Service.objects.filter(partnership=scope.partnership).values_list("pk", "lineage"))
    return [("income", str(lineage_of[service]) if service in lineage_of else OTHER, urn, la, amount)
            for service, urn, la, amount in income_sums(scope)]


def income_sums(scope: Scope) -> list[tuple[int | None, str, str | None, object]]:
    """(service, school, the school's LA, amount) for every service and school with charge lines in the scope's
    academic year. On PostgreSQL from the sums triggers keep of the lines (`programmes.SchoolYearCharges`: a few
    thousand rows where the lines are 100,000 at scale, joined to their schools), skipping sums whose lines are all
    gone; elsewhere from the lines, whose schools' LAs are then read."""
    where = {"partnership": scope.partnership, "academic_year": scope.year}
    if connection.vendor != "postgresql":
        sums = list(ChargeLine.objects.filter(scope.school_q(), **where).values_list("service_id", "school_id")
                    .annotate(amount=Sum("amount")).order_by())
        la_of = dict(School.objects.filter(urn__in={urn for _, urn, _ in sums}).values_list("urn", "la_id"))
        return [(service, urn, la_of.get(urn), amount) for service, urn, amount in sums]
    return [(service, school, la, amount) for service, school, la, amount, _ in SchoolYearCharges.objects.filter(
        scope.school_q(), **where).values_list("service_id", "school_id", "school__la_id")
        .annotate(amount=Sum(F("charged") + F("credited")), lines=Sum(F("charge_lines") + F("credit_lines")))
        .filter(lines__gt=0).order_by()]


def _clusters(scope: Scope) -> dict[str, list[str]]:
    """5. The clusters of the year each school belongs to."""
    found = defaultdict(list)
    for urn, name in ClusterSchool.objects.filter(
            cluster__partnership=scope.partnership, cluster__academic_year=scope.year).values_list(
            "school_id", "cluster__name").order_by("cluster__name"):
        found[urn].append(name)
    return found


def _add(tally: Tally, what: str, urn: str, value) -> None:
    if what == "ordered":
        tally.ordered.add(urn)
    elif what == "holding":
        tally.holding.add(urn)
        tally.days += value[0] or 0
        tally.used += value[1] or 0
    else:
        tally.income += value or 0


def take_up(*, scope: Scope, show_money: bool) -> TakeUp:
    names = _names(scope)
    rows = _rows(scope, show_money)
    clusters = _clusters(scope)
    by_service, by_la, by_cluster = defaultdict(Tally), defaultdict(Tally), defaultdict(Tally)
    for lineage in names:  # every service of the published catalogue, taken up or not
        by_service[lineage] = Tally()
    for what, lineage, urn, la, value in rows:
        _add(by_service[lineage], what, urn, value)
        _add(by_la[la], what, urn, value)
        for cluster in clusters.get(urn) or [NO_CLUSTER]:
            _add(by_cluster[cluster], what, urn, value)
    service_order = sorted(by_service, key=lambda key: (key == OTHER, names.get(key, (0, key))))
    service_rows = [(names.get(key, (0, key))[1], by_service[key]) for key in service_order]
    la_rows = [(scope.las.get(code, code or "Unknown"), by_la[code]) for code in sorted(
        by_la, key=lambda c: scope.las.get(c, c or ""))]
    cluster_rows = [(name, by_cluster[name]) for name in sorted(by_cluster, key=lambda n: (n == NO_CLUSTER, n))]
    return TakeUp(scope=scope, show_money=show_money, tables=[
        _table("service", "By service", "Service", service_rows, show_money),
        _table("la", "By local authority", "Local authority", la_rows, show_money),
        _table("cluster", "By cluster", "Cluster", cluster_rows, show_money),
    ])


def _table(key: str, title: str, first: str, rows: list[tuple[str, Tally]], show_money: bool) -> Table:
    header = [first, "Schools that ordered", "Schools holding days", "Days held", "Days used"]
    if show_money:
        header.append("Income")
    table = Table(key, title, header)
    for label, tally in rows:
        row = [label, len(tally.ordered), len(tally.holding), tally.days, tally.used]
        if show_money:
            row.append(tally.income)
        table.rows.append(row)
    return table
