"""The one reading of ?page= (`portal.ui.paging`): `paginate` and `counted_page` give the same page (rows, number,
count, pages) for any ?page=, `counted_page` in fewer statements."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Value
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from portal.ui import views
from portal.ui.paging import HIGHEST_READ_PAGE, asked_number, counted_page, counted_page_beside, paginate

ASKED = [None, "", "1", "2", "3", " 2", "2.0", "abc", "0", "-1", "99", "1e3", str(HIGHEST_READ_PAGE + 1),
         "99999999999999999999999"]


def _get(asked):
    return RequestFactory().get("/", {} if asked is None else {"page": asked})


def _same(request, queryset, per_page):
    ours, theirs = counted_page(request, queryset, per_page=per_page), paginate(request, queryset, per_page=per_page)
    assert [row.pk for row in ours] == [row.pk for row in theirs]
    assert (ours.number, ours.paginator.count, ours.paginator.num_pages, ours.has_next(), ours.has_previous()) == (
        theirs.number, theirs.paginator.count, theirs.paginator.num_pages, theirs.has_next(), theirs.has_previous())
    return ours


@pytest.mark.parametrize(("asked", "number"), [
    (None, 1), ("", 1), ("abc", 1), ("2.0", 1), ("1e3", 1), (" 2", 2), ("7", 7), ("0", 0), ("-3", -3)])
def test_the_number_is_read_as_djangos_paginator_reads_it(asked, number):
    assert asked_number(_get(asked)) == number


def test_the_views_module_still_gives_paginate():
    assert views.paginate is paginate


@pytest.mark.django_db
@pytest.mark.parametrize("asked", ASKED)
def test_the_page_is_paginates(asked):
    request = _get(asked)
    rows = ContentType.objects.order_by("app_label", "model")
    assert rows.count() > 10
    _same(request, rows, 7)
    _same(request, rows.filter(app_label="deployments"), 3)
    _same(request, rows.filter(app_label="no such app"), 5)
    _same(request, rows.none(), 5)


@pytest.mark.django_db
@pytest.mark.parametrize(("asked", "number"), [("abc", 1), ("0", "last"), ("-1", "last"), ("99", "last"),
                                               ("99999999999999999999999", "last"), ("2", 2)])
def test_a_bad_number_gives_the_first_page_and_one_out_of_range_the_last(asked, number):
    rows = ContentType.objects.order_by("pk")
    page = _same(_get(asked), rows, 3)
    assert page.number == (page.paginator.num_pages if number == "last" else number)


@pytest.mark.django_db
def test_a_page_with_rows_is_one_statement_and_an_empty_list_one_too():
    rows = ContentType.objects.order_by("pk")
    with CaptureQueriesContext(connection) as page_two:
        assert len(counted_page(_get("2"), rows, per_page=3).object_list) == 3
    with CaptureQueriesContext(connection) as empty:
        assert counted_page(_get(None), rows.filter(model="nothing"), per_page=3).paginator.count == 0
    assert len(page_two) == len(empty) == 1


@pytest.mark.django_db
def test_a_given_total_and_count_are_what_the_page_counts():
    rows = ContentType.objects.order_by("pk")
    assert counted_page(_get("1"), rows, per_page=3, total=Value(1234)).paginator.count == 1234
    counted = []
    past = counted_page(_get("999"), rows, per_page=3, total=Value(1234), count=lambda: counted.append(1) or 6)
    assert counted == [1]
    assert (past.paginator.count, past.number, [row.pk for row in past]) == (6, 2, list(rows.values_list("pk", flat=True)[3:6]))


@pytest.mark.django_db
@pytest.mark.parametrize("asked", ASKED)
def test_rows_beside_a_page_are_those_a_query_of_their_own_reads(asked):
    rows = ContentType.objects.order_by("-model", "pk")
    request = _get(asked)
    for listed, beside, limit in [(rows.exclude(app_label="auth"), rows.filter(app_label="auth"), 3),
                                  (rows.exclude(app_label="auth"), rows.filter(app_label="auth"), 50),
                                  (rows.filter(app_label="no such app"), rows.filter(app_label="auth"), 2),
                                  (rows.exclude(app_label="auth"), rows.none(), 5)]:
        found, page = counted_page_beside(request, listed, beside, beside_limit=limit, per_page=4)
        assert [row.pk for row in found] == [row.pk for row in beside[:limit]]
        theirs = paginate(request, listed, per_page=4)
        assert [row.pk for row in page] == [row.pk for row in theirs]
        assert (page.number, page.paginator.count, page.paginator.num_pages) == (
            theirs.number, theirs.paginator.count, theirs.paginator.num_pages)


@pytest.mark.django_db
def test_rows_beside_a_page_are_read_with_it_in_one_statement_on_postgresql():
    rows = ContentType.objects.order_by("pk")
    with CaptureQueriesContext(connection) as read:
        found, page = counted_page_beside(_get("2"), rows.exclude(app_label="auth"), rows.filter(app_label="auth"),
                                          beside_limit=2, per_page=3)
    assert (len(found), len(page.object_list)) == (2, 3)
    assert len(read) == (1 if connection.vendor == "postgresql" else 2)
