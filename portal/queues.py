"""A work queue's first rows and how many it holds, in one statement instead of two.

Home pages show the first few items of each queue beside the queue's size. Asking for the rows and then for
`count()` is two round trips to the database (each planned, and each waiting for the database on a busy
machine); here the size travels with the rows as an uncorrelated scalar subquery, which PostgreSQL runs once
for the statement (an InitPlan) and SQLite once as well. The count is `queryset.count()`'s: the same filter,
the same joins for it, without the ordering or the rows' own joins. With no rows the queue is empty, so 0.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Subquery, Value, When, Window
from django.db.models.functions import RowNumber

TOTAL = "_queue_total"


class Total(Subquery):
    """`(SELECT COUNT(*) FROM (<the queryset's ids>))`: how many rows the queryset has, inside another statement."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _queue_rows)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet):
        super().__init__(queryset.order_by().values("pk"), output_field=IntegerField())


def first_and_total(queryset: QuerySet, shown: int) -> tuple[list, int]:
    """(the queryset's first `shown` rows, its count): one query."""
    rows = list(with_total(queryset, shown))
    return rows, total_of(rows)


def with_total(queryset: QuerySet, shown: int) -> QuerySet:
    """`first_and_total`'s statement: the first `shown` rows, each carrying the count."""
    return queryset.annotate(**{TOTAL: Total(queryset)})[:shown]


def total_of(rows: list) -> int:
    """The count `with_total`'s rows carry (0 for none)."""
    return getattr(rows[0], TOTAL) if rows else 0


def firsts_and_totals(queryset: QuerySet, queues: dict[str, tuple[Q, tuple[str, ...]]], shown: int,
                      rows_of: dict[str, Q] | None = None) -> dict[str, tuple[list, int]]:
    """Several queues over one table in one statement: {name: (its first `shown` rows, its count)}.

    `queues` maps each name to (its condition, its ordering: field names, ascending, the same number for every
    queue and of one type at each place, the last one unique, e.g. "pk"); the conditions must not overlap. A queue whose rows need more than a
    cheap condition (a subquery, say) gives that in `rows_of`: the statement keeps its rows by it, once, and tells
    the queues apart by their conditions alone. The rows are numbered within their queue by a window function
    (`ROW_NUMBER() OVER (PARTITION BY queue ...)`) and counted by another, and only the first `shown` of each
    come back: the rows and counts `first_and_total` gives for each queue alone."""
    return queues_found(list(queues_statement(queryset, queues, shown, rows_of)), list(queues))


def queues_statement(queryset: QuerySet, queues: dict[str, tuple[Q, tuple[str, ...]]], shown: int,
                     rows_of: dict[str, Q] | None = None) -> QuerySet:
    """`firsts_and_totals`' statement: each queue's first `shown` rows, each with its queue and its queue's count."""
    rows_of = rows_of or {}
    label = Case(*[When(condition, then=Value(i)) for i, (condition, _) in enumerate(queues.values())],
                 output_field=IntegerField())
    width = {len(order) for _, order in queues.values()}
    if len(width) != 1:
        raise ValueError("Every queue's ordering must have the same number of fields")
    keys = [Case(*[When(condition, then=F(order[n])) for condition, order in queues.values()])
            for n in range(width.pop())]
    return (in_any_queue(queryset, queues, rows_of)
            .annotate(_queue=label, _queue_rank=Window(RowNumber(), partition_by=[label], order_by=keys),
                      **{TOTAL: Window(Count("pk"), partition_by=[label])})
            .filter(_queue_rank__lte=shown).order_by("_queue", "_queue_rank"))


def queues_found(rows: list, names: list[str]) -> dict[str, tuple[list, int]]:
    """{name: (its rows, its count)} from `queues_statement`'s rows."""
    found: dict[str, tuple[list, int]] = {name: ([], 0) for name in names}
    for row in rows:
        shown_rows, _ = found[names[row._queue]]
        shown_rows.append(row)
        found[names[row._queue]] = (shown_rows, getattr(row, TOTAL))
    return found


def in_any_queue(queryset: QuerySet, queues: dict[str, tuple[Q, tuple[str, ...]]],
                 rows_of: dict[str, Q] | None = None) -> QuerySet:
    """The queryset's rows in any of `firsts_and_totals`'s queues (unordered, every row)."""
    rows_of = rows_of or {}
    return queryset.filter(reduce(or_, (rows_of.get(name, condition) for name, (condition, _) in queues.items())))


def have_rows(querysets: list[QuerySet]) -> list[bool]:
    """Whether each queryset has a row, all asked in one statement (`SELECT EXISTS (...), EXISTS (...)`): a page
    of several short lists, most of them often empty, asks this first and reads only the lists with rows. Each
    question is `queryset.exists()`'s (no ordering, one row at most); one that can match nothing (`pk__in=[]`)
    is answered without asking."""
    return answers(question(querysets))


def question(querysets: list[QuerySet]) -> tuple[str, tuple, tuple]:
    """`have_rows`' statement, its parameters, and for each queryset None (asked) or False (matches nothing)."""
    asked, params, pattern = [], [], []
    for queryset in querysets:
        try:
            sql, values = queryset.query.exists().get_compiler(queryset.db).as_sql()
        except EmptyResultSet:
            pattern.append(False)
            continue
        asked.append(f"EXISTS ({sql})")
        params.extend(values)
        pattern.append(None)
    return (f"SELECT {', '.join(asked)}" if asked else ""), tuple(params), tuple(pattern)


def answers(asked: tuple[str, tuple, tuple]) -> list[bool]:
    """The answers to a `question` (one statement, none if nothing needs asking)."""
    sql, params, pattern = asked
    if not sql:
        return list(pattern)
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, list(params))
        found = iter(cursor.fetchone())
    return [bool(next(found)) if answer is None else answer for answer in pattern]
