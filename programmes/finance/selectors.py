"""Reads for finance: a school's statement for a financial year, its orders and balances for an academic year, the
partnership's totals per school, and the export's rows. Every total is a sum of the same lines, so they agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum

from alliances.models import School
from programmes.models import (
    Catalogue,
    ChargeKind,
    ChargeLine,
    Entitlement,
    EntitlementStatus,
    Order,
    OrderLine,
    OrderStatus,
    SchoolYearCharges,
)
from programmes.money import financial_year_bounds, start_year, year_label

CREDIT = Q(kind=ChargeKind.CREDIT)
KIND_LABELS = {value: str(label) for value, label in ChargeKind.choices}


@dataclass(slots=True)
class StatementLine:
    """What a statement shows of one charge or credit line: read as a row of values, not a model instance (a
    school's year holds hundreds of lines at scale, with their order lines)."""

    kind: str
    description: str
    amount: Decimal
    charge_date: date
    invoice_date: date
    order_id: int | None

    def get_kind_display(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass
class InvoiceGroup:
    invoice_date: date
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), start=Decimal("0.00"))


@dataclass
class Statement:
    school: School
    financial_year: str
    groups: list[InvoiceGroup]

    @property
    def lines(self) -> list[StatementLine]:
        return [line for group in self.groups for line in group.lines]

    @property
    def total(self) -> Decimal:
        return sum((group.total for group in self.groups), start=Decimal("0.00"))

    @property
    def bounds(self) -> tuple[date, date]:
        return financial_year_bounds(self.financial_year)


STATEMENT_FIELDS = ("kind", "description", "amount", "charge_date", "invoice_date", "order_line__order_id")
# The same rows on PostgreSQL, each line's order read through a LATERAL sub-query that PostgreSQL memoizes per order
# line (a school's few hundred lines come from a few dozen): joined, it hashed every order line of the partnership
# (20,000 at scale). Positional parameters, so the statement is prepared once a connection.
_STATEMENT_LINES = f"""
SELECT c.kind, c.description, c.amount, c.charge_date, c.invoice_date, o.order_id
FROM {ChargeLine._meta.db_table} c
LEFT JOIN LATERAL (SELECT o.order_id FROM {OrderLine._meta.db_table} o WHERE o.id = c.order_line_id OFFSET 0) o
    ON true
WHERE c.partnership_id = %s AND c.school_id = %s AND c.financial_year = %s
ORDER BY c.invoice_date, c.charge_date, c.id
"""


def statement_lines(*, partnership, school_id: str, financial_year: str) -> list[StatementLine]:
    """The lines with what a statement shows of them, in the statement's order (one query)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_STATEMENT_LINES, [partnership.pk, school_id, financial_year])
            return [StatementLine(*row) for row in cursor.fetchall()]
    return [StatementLine(*row) for row in ChargeLine.objects.filter(
        partnership=partnership, school_id=school_id, financial_year=financial_year)
        .order_by("invoice_date", "charge_date", "pk").values_list(*STATEMENT_FIELDS)]


def statement(*, partnership, school: School, financial_year: str) -> Statement:
    """Every charge and credit of one school in one financial year (1 April to 31 March), grouped by the date it is
    invoiced on under the catalogue's schedule: one query."""
    groups: list[InvoiceGroup] = []
    for line in statement_lines(partnership=partnership, school_id=school.urn, financial_year=financial_year):
        if not groups or groups[-1].invoice_date != line.invoice_date:
            groups.append(InvoiceGroup(line.invoice_date))
        groups[-1].lines.append(line)
    return Statement(school=school, financial_year=financial_year, groups=groups)


@dataclass(slots=True)
class OrderItem:
    """What the school page shows of an order (`programmes.templatetags.finance.order_items`)."""

    pk: int
    status: str
    submitted_at: datetime | None


def school_orders(*, partnership, school_id: str, academic_year: str) -> list[OrderItem]:
    """The school's sent orders for the year, newest first, with what the school page shows of them (its reference,
    status and when it was sent), read as rows of values: a school's year holds a hundred orders at scale."""
    return [OrderItem(*row) for row in Order.objects.filter(
        partnership=partnership, school_id=school_id, catalogue__academic_year=academic_year)
        .exclude(status=OrderStatus.DRAFT).order_by("-submitted_at", "-pk").values_list("pk", "status", "submitted_at")]


def school_entitlements(*, partnership, school_id: str, academic_year: str) -> QuerySet[Entitlement]:
    """The school's days for the year: each entitlement with its days, used and what is left (and only what the
    school page shows of it and its service)."""
    return (Entitlement.objects.filter(partnership=partnership, school_id=school_id, academic_year=academic_year,
                                       status=EntitlementStatus.ACTIVE)
            .select_related("service").only("source", "days", "used", "service__name")
            .annotate(left=F("days") - F("used")).order_by("service__position", "pk"))


# The distinct financial years of a partnership's charge lines, one index probe per year (a loose index scan on
# `charge_year_school`) instead of reading every line: a partnership has a few years and, at scale, 100,000 lines.
# PostgreSQL and SQLite both run it; row-level security still applies to each probe.
_YEARS_WITH_CHARGES = f"""
WITH RECURSIVE years(financial_year) AS (
    SELECT (SELECT financial_year FROM {ChargeLine._meta.db_table}
            WHERE partnership_id = %(partnership)s ORDER BY financial_year LIMIT 1)
    UNION ALL
    SELECT (SELECT financial_year FROM {ChargeLine._meta.db_table}
            WHERE partnership_id = %(partnership)s AND financial_year > years.financial_year
            ORDER BY financial_year LIMIT 1)
    FROM years WHERE years.financial_year IS NOT NULL
)
SELECT financial_year FROM years WHERE financial_year IS NOT NULL
"""
# The school page's two lists of years in one statement: its catalogues' academic years (marked 'a'), then the
# financial years with charges.
_PAGE_YEARS = f"""
SELECT 'a', academic_year FROM {Catalogue._meta.db_table} WHERE partnership_id = %(partnership)s
UNION ALL
SELECT 'f', financial_year FROM ({_YEARS_WITH_CHARGES}) AS with_charges
"""


def _offered(years: set[str], around: str) -> list[str]:
    return sorted(years | {around}, reverse=True)


def financial_years(*, partnership, around: str) -> list[str]:
    """The financial years a page offers: every year with charges, and the one asked for (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_YEARS_WITH_CHARGES, {"partnership": partnership.pk})
        return _offered({year for (year,) in cursor.fetchall()}, around)


def page_years(*, partnership, academic: str, financial: str) -> tuple[list[str], list[str]]:
    """The academic years a school page offers (each catalogue's, and `academic`) and its financial years (each
    with charges, and `financial`), newest first: one query."""
    found: dict[str, set[str]] = {"a": set(), "f": set()}
    with connection.cursor() as cursor:
        cursor.execute(_PAGE_YEARS, {"partnership": partnership.pk})
        for which, year in cursor.fetchall():
            found[which].add(year)
    return _offered(found["a"], academic), _offered(found["f"], financial)


def school_totals(*, partnership, financial_year: str) -> list[dict]:
    """One row per school with charges in the financial year: its charges, credits, net total and line count,
    by school name. Two queries: the year's sums per school, then the names of those schools.

    On PostgreSQL the sums are added up from `SchoolYearCharges`, which triggers keep equal to the lines (a few
    thousand rows instead of every line of the year); elsewhere the lines are summed. Both give the same rows
    (`tests/programmes/finance/test_school_year_charges.py`)."""
    if connection.vendor == "postgresql":
        rows = [{"school_id": school_id, "charged": charged if charges else None,
                 "credited": credited if credits else None, "total": charged + credited, "lines": charges + credits}
                for school_id, charged, charges, credited, credits in SchoolYearCharges.objects.filter(
                    partnership=partnership, financial_year=financial_year).order_by().values("school_id")
                .annotate(sum_charged=Sum("charged"), charges=Sum("charge_lines"), sum_credited=Sum("credited"),
                          credits=Sum("credit_lines"))
                .filter(Q(charges__gt=0) | Q(credits__gt=0))
                .values_list("school_id", "sum_charged", "charges", "sum_credited", "credits")]
    else:
        rows = summed_lines(partnership=partnership, financial_year=financial_year)
    names = dict(School.objects.filter(urn__in=[row["school_id"] for row in rows]).values_list("urn", "name"))
    for row in rows:
        row["school__name"] = names.get(row["school_id"], "")
    return sorted(rows, key=lambda row: (row["school__name"], row["school_id"]))


def summed_lines(*, partnership, financial_year: str) -> list[dict]:
    """The year's charges, credits, net total and line count per school, summed from the lines themselves."""
    return list(ChargeLine.objects.filter(partnership=partnership, financial_year=financial_year).order_by()
                .values("school_id")
                .annotate(charged=Sum("amount", filter=~CREDIT), credited=Sum("amount", filter=CREDIT),
                          total=Sum("amount"), lines=Count("pk")))


def previous_year(label: str) -> str:
    return year_label(start_year(label) - 1)
