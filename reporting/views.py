"""Dashboards for LA officers and the steering group: thin views over `dashboards` and `dashboard_filters`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from portal.ui.csv_export import csv_response, xlsx_response
from portal.ui.views import capability_required
from reporting import dashboards, selectors
from reporting.dashboards.sections import sections
from reporting.filters import DashboardFilterForm
from reporting.takeup import TakeUpFilterForm, take_up

EXPORTS = ("breakdown", "requests", "deployments", "reviews", "rag", "impact", "capacity", "terms", "school")
# Excel sheet names: 31 characters at most.
SHEETS = {"requests": "Requests by need area", "deployments": "Deployments by status", "reviews": "Reviews",
          "rag": "Red Amber Green", "impact": "Impact scores", "capacity": "Capacity by specialism",
          "terms": "Capacity by term"}


def _form(request: HttpRequest) -> DashboardFilterForm:
    form = DashboardFilterForm(request.GET, membership=request.membership)
    form.is_valid()
    return form


def _build(request: HttpRequest):
    form = _form(request)
    return form, dashboards.dashboard(scope=form.scope())


@require_http_methods(["GET", "HEAD"])
@capability_required("dashboards.view")
def dashboard(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    form, board = _build(request)
    scope = board.scope
    export_query = urlencode(scope.query())
    slug = [request.partnership.slug]
    return render(request, "reporting/dashboard.html", {
        "form": form, "board": board, "scope": scope, "tables": board.tables, "breadcrumbs": _breadcrumbs(scope),
        "export_query": export_query,
        "sections": sections(list(board.tables.values()), period_label=scope.period_label, export_query=export_query,
                             csv_url=reverse("reporting:dashboard_csv", args=slug),
                             xlsx_url=reverse("reporting:dashboard_xlsx", args=slug)),
        # A school name that matched several: each choice keeps the other filters.
        "school_choices": [(school, urlencode(scope.query(school=school.urn))) for school in form.school_choices],
    })


def _breadcrumbs(scope) -> list[tuple[str, str | None]]:
    """Where the drill-down is: all LAs, then the LA, the cluster and the school, each a link but the last."""
    crumbs = [("All my local authorities" if scope.limited_las is not None else "All local authorities",
               urlencode(scope.query(la="", cluster="", school="")))]
    if scope.la:
        crumbs.append((scope.las.get(scope.la, scope.la), urlencode(scope.query(cluster="", school=""))))
    if scope.cluster is not None:
        crumbs.append((scope.cluster.name, urlencode(scope.query(school=""))))
    if scope.school is not None:
        crumbs.append((scope.school.name, None))
    crumbs[-1] = (crumbs[-1][0], None)
    return crumbs


@require_http_methods(["GET", "HEAD"])
@capability_required("dashboards.view")
def dashboard_csv(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    return _export(request, "csv")


@require_http_methods(["GET", "HEAD"])
@capability_required("dashboards.view")
def dashboard_xlsx(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    return _export(request, "xlsx")


def _export(request: HttpRequest, fmt: str) -> HttpResponse:
    """One table of the dashboard (?table=), with the page's filters, as CSV or Excel."""
    table = request.GET.get("table") or "breakdown"
    if table not in EXPORTS:
        raise Http404("No such table")
    scope = _form(request).scope()
    found = dashboards.export_table(scope=scope, key=table)
    where = "-".join(part for part in (scope.year, scope.term, scope.la, scope.cluster and f"cluster{scope.cluster.pk}",
                                       scope.school and scope.school.pk) if part)
    filename = f"{request.partnership.slug}-{table}-{where}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, found.header, found.rows)
    return xlsx_response(filename, found.sheet or SHEETS[table], found.header, found.rows,
                         description=f"{found.title}: {scope.period_label}, {request.partnership.name}")


@require_http_methods(["GET", "HEAD"])
@capability_required("dashboards.view")
def dashboard_deployment(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    """One deployment as the dashboards see it: the facts and the ratings, no private notes or contact details."""
    deployment = selectors.deployment_in_view(membership=request.membership, pk=pk)
    if deployment is None:
        raise Http404("Not found")
    objectives, reviews, delivered = selectors.deployment_ratings(deployment=deployment)
    designation = request.partnership.designation_labels.get(deployment.leader.designation, deployment.leader.designation)
    return render(request, "reporting/dashboard_deployment.html", {
        "deployment": deployment, "objectives": objectives, "reviews": reviews, "delivered": delivered,
        "designation": designation,
    })


@require_http_methods(["GET", "HEAD"])
@capability_required("takeup.view")
def takeup(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    """Take-up of the catalogue's services by service, LA and cluster; income only for those who see finance."""
    form = TakeUpFilterForm(request.GET, membership=request.membership)
    form.is_valid()
    found = take_up(scope=form.scope(), show_money=request.membership.can("finance.view"), catalogues=form.catalogues)
    return render(request, "reporting/takeup.html", {"form": form, "takeup": found, "scope": found.scope})
