"""`counted_page` gives the page `paginate` gives (rows, number, count, pages) for any ?page=, in fewer statements."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from deployments.paging import counted_page
from portal.ui.views import paginate

ASKED = [None, "", "1", "2", "3", " 2", "2.0", "abc", "0", "-1", "99", "1e3"]


def _same(request, queryset, per_page):
    ours, theirs = counted_page(request, queryset, per_page=per_page), paginate(request, queryset, per_page=per_page)
    assert [row.pk for row in ours] == [row.pk for row in theirs]
    assert (ours.number, ours.paginator.count, ours.paginator.num_pages, ours.has_next(), ours.has_previous()) == (
        theirs.number, theirs.paginator.count, theirs.paginator.num_pages, theirs.has_next(), theirs.has_previous())


@pytest.mark.django_db
@pytest.mark.parametrize("asked", ASKED)
def test_the_page_is_paginates(asked):
    request = RequestFactory().get("/", {} if asked is None else {"page": asked})
    rows = ContentType.objects.order_by("app_label", "model")
    assert rows.count() > 10
    _same(request, rows, 7)
    _same(request, rows.filter(app_label="deployments"), 3)
    _same(request, rows.filter(app_label="no such app"), 5)
    _same(request, rows.none(), 5)


@pytest.mark.django_db
def test_a_page_with_rows_is_one_statement_and_an_empty_list_one_too():
    rows = ContentType.objects.order_by("pk")
    with CaptureQueriesContext(connection) as page_two:
        assert len(counted_page(RequestFactory().get("/", {"page": "2"}), rows, per_page=3).object_list) == 3
    with CaptureQueriesContext(connection) as empty:
        assert counted_page(RequestFactory().get("/"), rows.filter(model="nothing"), per_page=3).paginator.count == 0
    assert len(page_two) == len(empty) == 1
