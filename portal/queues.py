"""A work queue's first rows and how many it holds, in one statement instead of two.

Home pages show the first few items of each queue beside the queue's size. Asking for the rows and then for
`count()` is two round trips to the database (each planned, and each waiting for the database on a busy
machine); here the size travels with the rows as an uncorrelated scalar subquery, which PostgreSQL runs once
for the statement (an InitPlan) and SQLite once as well. The count is `queryset.count()`'s: the same filter,
the same joins for it, without the ordering or the rows' own joins. With no rows the queue is empty, so 0.
"""

from __future__ import annotations

from django.db.models import IntegerField, QuerySet, Subquery

TOTAL = "_queue_total"


class Total(Subquery):
    """`(SELECT COUNT(*) FROM (<the queryset's ids>))`: how many rows the queryset has, inside another statement."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _queue_rows)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet):
        super().__init__(queryset.order_by().values("pk"), output_field=IntegerField())


def first_and_total(queryset: QuerySet, shown: int) -> tuple[list, int]:
    """(the queryset's first `shown` rows, its count): one query."""
    rows = list(queryset.annotate(**{TOTAL: Total(queryset)})[:shown])
    return rows, (getattr(rows[0], TOTAL) if rows else 0)
