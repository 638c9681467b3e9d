"""A list's page and the count of all its rows read in one statement.

`portal.ui.views.paginate` counts the rows (one statement), then reads the page's (another). Here the page's rows
carry the count as a scalar subquery, which PostgreSQL runs once for the statement (an InitPlan): one round trip,
one statement to build, the same page. Only a page number past the last page (a stale link) costs what it did,
plus the empty read that found it: Django's own `get_page` then answers with the last page."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Func, IntegerField, QuerySet, Subquery, Value
from django.http import HttpRequest

TOTAL = "listed_total"


class _Count(Func):
    """COUNT(1) with no GROUP BY: a plain function to Django, so the subquery is the whole filtered set's count."""

    function = "COUNT"
    output_field = IntegerField()


def counted_page(request: HttpRequest, queryset: QuerySet, *, per_page: int = 25) -> Page:
    """The page ?page= asks for, as `paginate` gives it (a number that is not one gives the first page, one out of
    range the last), with `page.paginator.count` read beside its rows."""
    paginator = Paginator(queryset, per_page)
    asked = request.GET.get("page")
    try:
        number = int(asked)
    except (TypeError, ValueError):
        number = 1
    if number >= 1:
        total = Subquery(queryset.order_by().values(**{TOTAL: _Count(Value(1))}), output_field=IntegerField())
        bottom = (number - 1) * per_page
        rows = list(queryset.annotate(**{TOTAL: total})[bottom:bottom + per_page])
        if rows or number == 1:
            paginator.__dict__["count"] = getattr(rows[0], TOTAL) if rows else 0  # Paginator.count is cached there
            return Page(rows, number, paginator)
    return paginator.get_page(asked)
