"""Finance pages: a school's page (orders, days and statement), the steering group's totals per school, and the
export for a financial year in CSV and Excel."""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from portal.ui.csv_export import xlsx_response
from portal.ui.views import capability_required
from programmes.finance import selectors
from programmes.finance.exports import COLUMNS, csv_lines, export_rows
from programmes.money import academic_year_of, financial_year_of, year_label
from programmes.orders.selectors import schools_in_view

YEAR = re.compile(r"^[0-9]{4}-[0-9]{2}$")


def _year(request: HttpRequest, key: str, default: str) -> str:
    """A year from the query string, like 2026-27; anything else is the default, never an error page."""
    value = request.GET.get(key, "")
    return value if YEAR.match(value) and year_label(int(value[:4])) == value else default


@require_http_methods(["GET", "HEAD"])
@capability_required("orders.view")
def school_account(request: HttpRequest, partnership_slug: str, urn: str) -> HttpResponse:
    """One school's orders and days for an academic year, and its statement for a financial year."""
    school = schools_in_view(membership=request.membership).filter(urn=urn).only("urn", "name").first()
    if school is None:
        raise Http404("Not found")
    today, partnership = timezone.localdate(), request.partnership
    year = _year(request, "year", academic_year_of(today))
    fy = _year(request, "fy", financial_year_of(today))
    years, financial_years = selectors.page_years(partnership=partnership, academic=year, financial=fy)
    return render(request, "programmes/finance/school.html", {
        "school": school, "year": year, "fy": fy, "years": years, "financial_years": financial_years,
        "orders": selectors.school_orders(partnership=partnership, school_id=urn, academic_year=year),
        "entitlements": list(selectors.school_entitlements(partnership=partnership, school_id=urn, academic_year=year)),
        "statement": selectors.statement(partnership=partnership, school=school, financial_year=fy)})


@require_http_methods(["GET", "HEAD"])
@capability_required("finance.view")
def finance(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    partnership = request.partnership
    fy = _year(request, "fy", financial_year_of(timezone.localdate()))
    rows = list(selectors.school_totals(partnership=partnership, financial_year=fy))
    return render(request, "programmes/finance/finance.html", {
        "fy": fy, "rows": rows, "financial_years": selectors.financial_years(partnership=partnership, around=fy),
        "total": sum((row["total"] for row in rows), start=0), "line_count": sum(row["lines"] for row in rows)})


def _export(request: HttpRequest):
    fy = _year(request, "fy", financial_year_of(timezone.localdate()))
    slug = request.partnership.slug
    return fy, f"{slug}-finance-{fy}", export_rows(partnership=request.partnership, financial_year=fy)


@require_http_methods(["GET", "HEAD"])
@capability_required("finance.view")
def finance_csv(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    """The export as `csv_response` would write it, its lines written by the database (exports.csv_lines)."""
    fy = _year(request, "fy", financial_year_of(timezone.localdate()))
    response = StreamingHttpResponse(csv_lines(partnership=request.partnership, financial_year=fy),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{request.partnership.slug}-finance-{fy}.csv"'
    return response


@require_http_methods(["GET", "HEAD"])
@capability_required("finance.view")
def finance_xlsx(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    fy, name, rows = _export(request)
    return xlsx_response(f"{name}.xlsx", f"Finance {fy}", COLUMNS, rows,
                         description=f"{request.partnership.name}: charges and credits, financial year {fy}")
