"""A list's page from ?page=, read one of two ways with the same answer for any ?page=.

One reading of the number for every list (`asked_number`), Django's own: the text as `int()` reads it (" 2" is
2); anything else (none, "abc", "2.0", "1e3") is page 1; zero, a negative number or one past the last page (a
stale link) is the last page.

`paginate` counts the rows (one statement), then reads the page's (another): it takes any queryset.
`counted_page` reads the page's rows carrying the count of all as a scalar subquery, which PostgreSQL runs once
for the statement (an InitPlan): one round trip, one statement to build, the same page. Only a number past the
last page costs more: the empty read that found it, then the count, then the last page. It needs a queryset
whose rows a plain COUNT of its filtered set counts (no GROUP BY, no DISTINCT), or the count expression (`total`)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Expression, Func, IntegerField, QuerySet, Subquery, Value, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest

TOTAL = "listed_total"
# Past any real list's last page (46,096 schools are 922 pages of 50) and well within PostgreSQL's OFFSET (a
# bigint): a larger number is not read but answered by Django's `get_page`, with the last page.
HIGHEST_READ_PAGE = 1_000_000


class _Count(Func):
    """COUNT(1) with no GROUP BY: a plain function to Django, so the subquery is the whole filtered set's count."""

    function = "COUNT"
    output_field = IntegerField()


def asked_number(request: HttpRequest) -> int:
    """The page number ?page= asks for, as Django's Paginator reads it: a whole number as `int()` reads the text,
    otherwise 1. It may be below 1 or past the last page: `Paginator.get_page` answers those with the last page."""
    return number_in(request.GET.get("page"))


def number_in(text) -> int:
    """`asked_number` of a ?page= value (or None)."""
    try:
        return int(text)
    except (TypeError, ValueError):
        return 1


def page_of(count: int, number: int, *, per_page: int, rows=()) -> Page:
    """Page `number` (as `asked_number` gives it) of a list of `count` rows read another way, holding `rows`: a
    number below 1 or past the last page is the last page, as for every list."""
    paginator = Paginator((), per_page)
    paginator.__dict__["count"] = count  # Paginator.count is cached there
    page = paginator.get_page(number)
    page.object_list = rows
    return page


def paginate(request: HttpRequest, queryset, *, per_page: int = 25) -> Page:
    """A page of `queryset` from ?page=; a bad or out-of-range number gives the nearest real page, never a 500."""
    return Paginator(queryset, per_page).get_page(asked_number(request))


def row_count(queryset: QuerySet) -> Subquery:
    """The count of `queryset`'s rows as a scalar subquery (its order dropped)."""
    return Subquery(queryset.order_by().values(**{TOTAL: _Count(Value(1))}), output_field=IntegerField())


def counted_page(request: HttpRequest, queryset: QuerySet, *, per_page: int = 25, total: Expression | None = None,
                 count: Callable[[], int] | None = None) -> Page:
    """The page `paginate` gives, with `page.paginator.count` read beside its rows: `total` is the count's
    expression (`row_count(queryset)` unless given), `count` what counts the rows when a number past the last page
    needs it (the paginator's own count unless given)."""
    paginator = Paginator(queryset, per_page)
    number = asked_number(request)
    if 1 <= number <= HIGHEST_READ_PAGE:
        bottom = (number - 1) * per_page
        rows = list(queryset.annotate(**{TOTAL: row_count(queryset) if total is None else total})[
            bottom:bottom + per_page])
        if rows or number == 1:  # page 1 is empty only when nothing is found
            paginator.__dict__["count"] = getattr(rows[0], TOTAL) if rows else 0  # Paginator.count is cached there
            return Page(rows, number, paginator)
    if count is not None:
        paginator.__dict__["count"] = count()
    return paginator.get_page(number)



def _numbered(rows: QuerySet, part: int, total) -> QuerySet:
    """`rows` marked as `part` of a union, each numbered in their own order, with the count `total`."""
    order = list(rows.query.order_by or rows.model._meta.ordering)
    return rows.annotate(listed_part=Value(part), listed_position=Window(RowNumber(), order_by=order), **{TOTAL: total})


def counted_page_beside(request: HttpRequest, queryset: QuerySet, beside: QuerySet, *, beside_limit: int,
                        per_page: int = 25) -> tuple[list, Page]:
    """The first `beside_limit` rows of `beside` (the same rows as `queryset`'s: the same model, joins and columns,
    other filters) and `counted_page(request, queryset)`, read in one statement on PostgreSQL: the two reads
    joined by UNION ALL, each row numbered in its own read's order, which is the order they are given in whatever
    order the union returns them. Elsewhere, or for a number past the last page, a query for `beside` and the
    page as `counted_page` reads it."""
    number = asked_number(request)
    if connection.vendor == "postgresql" and 1 <= number <= HIGHEST_READ_PAGE:
        bottom = (number - 1) * per_page
        first = _numbered(beside, 0, Value(0))[:beside_limit]
        second = _numbered(queryset, 1, row_count(queryset))[bottom:bottom + per_page]
        rows = sorted(first.union(second, all=True), key=lambda row: (row.listed_part, row.listed_position))
        found = [row for row in rows if row.listed_part == 0]
        listed = rows[len(found):]
        if listed or number == 1:
            paginator = Paginator(queryset, per_page)
            paginator.__dict__["count"] = getattr(listed[0], TOTAL) if listed else 0
            return found, Page(listed, number, paginator)
        return found, counted_page(request, queryset, per_page=per_page)
    return list(beside[:beside_limit]), counted_page(request, queryset, per_page=per_page)

