"""The system leadership report page and its CSV exports."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from leadership.quality import figures, selectors
from portal.ui.csv_export import csv_response
from portal.ui.views import capability_required


def _year(request: HttpRequest) -> str:
    return selectors.valid_year(request.GET.get("year"), timezone.localdate())


@require_http_methods(["GET", "HEAD"])
@capability_required("leadership.reports")
def report(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    year = _year(request)
    return render(request, "leadership/quality/reports.html", {
        "report": figures.report(membership=request.membership, year=year), "year": year,
        "years": selectors.recent_years(timezone.localdate()),
        "benefits": figures.benefits(membership=request.membership, year=year),
    })


def _header(show_impact: bool) -> list[str]:
    return ["Alliance", "Designation", "Leaders designated", "Deployed this year", "Share deployed (%)",
            "Days delivered", "Days per leader", *(["Average impact (1 to 10)"] if show_impact else []),
            "Own-school benefits recorded"]


def _cells(row: figures.ReportRow, show_impact: bool) -> list:
    return [row.alliance, row.designation_label, row.designated, row.deployed, row.share_deployed, row.days,
            row.days_per_leader, *([row.impact] if show_impact else []), row.benefits]


@require_http_methods(["GET", "HEAD"])
@capability_required("leadership.reports")
def report_csv(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    year = _year(request)
    found = figures.report(membership=request.membership, year=year)
    rows = [_cells(row, found.show_impact) for row in [*found.rows, found.total]]
    return csv_response(f"system-leadership-{year}.csv", _header(found.show_impact), rows)


@require_http_methods(["GET", "HEAD"])
@capability_required("leadership.impact")
def benefits_csv(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    year = _year(request)
    reviews = figures.benefits(membership=request.membership, year=year, limit=None)
    return csv_response(f"own-school-benefits-{year}.csv",
                        ["System leader", "Their school", "School supported", "Deployment", "Evaluation due",
                         "Benefit to the leader's own school"],
                        ([r.deployment.leader.name, r.deployment.leader.home_school.name, r.deployment.school.name,
                          r.deployment.reference, r.due_on, r.own_school_benefit] for r in reviews))
