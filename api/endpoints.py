"""The read-only API, /api/v1/...: the partnership is the token's; every list is cursor-paginated in a stable order
and takes the filters its page in the portal has. Each endpoint checks the token's scope for its resource, then reads
inside the token's partnership scope (django-scopes and row-level security), limited to the token's LAs if any."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import HttpError

from alliances.models import ClusterSchool, PartnershipSchool, Specialism, SystemLeader
from api import schemas
from api.auth import RateLimited, TokenAuth, token_for
from api.models import ApiToken, Resource
from api.pagination import cursor_page
from api.serialise import deployment_out, leader_out, request_out, review_out, school_out
from api.viewer import TokenViewer
from deployments.models import Deployment, RequestStatus, Review, ReviewObjective, SupportRequest
from portal.tenancy.rls import partnership_scope
from reporting import dashboards
from reporting.filters import DashboardFilterForm

api = NinjaAPI(
    title="School-to-school support portal API", version="1", urls_namespace="api", auth=TokenAuth(),
    docs_url=None, openapi_url="/openapi.json",
    description="Read-only data of one partnership, for local authority data teams and trust systems. A token "
                "made by a partnership admin names the partnership, the resources it may read, the local "
                "authorities it is limited to, and whether system leaders' contact details are included.",
)
ERRORS = {401: schemas.ErrorOut, 403: schemas.ErrorOut, 429: schemas.ErrorOut}


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: RateLimited):
    response = api.create_response(request, {"detail": "Too many requests for this token: wait and try again."},
                                   status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def _schools_q(token: ApiToken, path: str, *, la: str = "", cluster: int | None = None) -> Q:
    """The schools a list may name, as a filter on `path`: the token's LAs, then the LA and cluster asked for."""
    q = Q()
    if token.la_codes:
        q &= Q(**{f"{path}__la__in": token.la_codes})
    if la:
        q &= Q(**{f"{path}__la": la})
    if cluster is not None:
        q &= Q(**{f"{path}__in": ClusterSchool.objects.filter(
            partnership=token.partnership, cluster_id=cluster).values("school_id")})
    return q


@api.get("/schools", response={200: schemas.SchoolPage, **ERRORS}, tags=["schools"])
def schools(request: HttpRequest, la: str = "", cluster: int | None = None, member: bool | None = None,
            phase: str = "", cursor: str | None = None, limit: int = 50):
    """Schools in the partnership (member or not), with their LA, phase and membership dates."""
    token = token_for(request, Resource.SCHOOLS)
    with partnership_scope(token.partnership):
        rows = PartnershipSchool.objects.filter(
            Q(partnership=token.partnership) & _schools_q(token, "school", la=la, cluster=cluster)
        ).select_related("school__la")
        if member is not None:
            rows = rows.filter(is_member=member)
        if phase:
            rows = rows.filter(school__phase=phase)
        return cursor_page(rows, cursor=cursor, limit=limit, serialise=school_out)


@api.get("/leaders", response={200: schemas.LeaderPage, **ERRORS}, tags=["leaders"])
def leaders(request: HttpRequest, la: str = "", cluster: int | None = None, designation: str = "",
            status: str = "", specialism: int | None = None, cursor: str | None = None, limit: int = 50):
    """System leaders, by the LA and cluster of their home school. `email` and `phone` are null unless the token
    has the contacts scope."""
    token = token_for(request, Resource.LEADERS)
    with partnership_scope(token.partnership):
        rows = SystemLeader.objects.filter(
            Q(partnership=token.partnership) & _schools_q(token, "home_school", la=la, cluster=cluster)
        ).select_related("home_school").prefetch_related(
            Prefetch("specialisms", queryset=Specialism.objects.filter(partnership=token.partnership)))
        if designation:
            rows = rows.filter(designation=designation)
        if status:
            rows = rows.filter(status=status)
        if specialism is not None:
            rows = rows.filter(specialisms=specialism)
        return cursor_page(rows, cursor=cursor, limit=limit, serialise=lambda r: leader_out(r, contacts=token.contacts))


@api.get("/requests", response={200: schemas.RequestPage, **ERRORS}, tags=["requests"])
def support_requests(request: HttpRequest, la: str = "", cluster: int | None = None, status: str = "",
                     urgency: str = "", cursor: str | None = None, limit: int = 50):
    """Support requests schools have sent (drafts never), without their free text."""
    token = token_for(request, Resource.REQUESTS)
    with partnership_scope(token.partnership):
        rows = SupportRequest.objects.filter(
            Q(partnership=token.partnership) & _schools_q(token, "school", la=la, cluster=cluster)
        ).exclude(status=RequestStatus.DRAFT).select_related("school").prefetch_related(
            Prefetch("needs", queryset=Specialism.objects.filter(partnership=token.partnership)))
        if status:
            rows = rows.filter(status=status)
        if urgency:
            rows = rows.filter(urgency=urgency)
        return cursor_page(rows, cursor=cursor, limit=limit, serialise=request_out)


def _deployments(token: ApiToken, *, la: str = "", cluster: int | None = None):
    return Deployment.objects.filter(
        Q(partnership=token.partnership) & _schools_q(token, "school", la=la, cluster=cluster)
    ).select_related("school", "leader")


@api.get("/deployments", response={200: schemas.DeploymentPage, **ERRORS}, tags=["deployments"])
def deployments(request: HttpRequest, la: str = "", cluster: int | None = None, status: str = "",
                leader: int | None = None, school: str = "", cursor: str | None = None, limit: int = 50):
    """Deployments: who supports which school, for how many days, between which dates, and where each stands."""
    token = token_for(request, Resource.DEPLOYMENTS)
    with partnership_scope(token.partnership):
        rows = _deployments(token, la=la, cluster=cluster)
        if status:
            rows = rows.filter(status=status)
        if leader is not None:
            rows = rows.filter(leader_id=leader)
        if school:
            rows = rows.filter(school_id=school)
        return cursor_page(rows, cursor=cursor, limit=limit, serialise=deployment_out)


@api.get("/deployments/{deployment_id}", response={200: schemas.DeploymentOut, 404: schemas.ErrorOut, **ERRORS},
         tags=["deployments"])
def deployment(request: HttpRequest, deployment_id: int):
    token = token_for(request, Resource.DEPLOYMENTS)
    with partnership_scope(token.partnership):
        found = _deployments(token).filter(pk=deployment_id).first()
        if found is None:
            raise HttpError(404, "No such deployment.")
        return deployment_out(found)


@api.get("/reviews", response={200: schemas.ReviewPage, **ERRORS}, tags=["reviews"])
def reviews(request: HttpRequest, la: str = "", cluster: int | None = None, term: str = "", status: str = "",
            deployment: int | None = None, cursor: str | None = None, limit: int = 50):
    """Termly reviews and final evaluations: progress per objective (RAG), the overall (worst) RAG, impact scores
    and the outcome checklist; never the narrative. `term` is a term key such as "2026-27 autumn"."""
    token = token_for(request, Resource.REVIEWS)
    with partnership_scope(token.partnership):
        rows = Review.objects.filter(
            Q(partnership=token.partnership) & _schools_q(token, "deployment__school", la=la, cluster=cluster)
        ).select_related("deployment__school")
        if term:
            rows = rows.filter(term_key=term)
        if status:
            rows = rows.filter(status=status)
        if deployment is not None:
            rows = rows.filter(deployment_id=deployment)
        return cursor_page(rows, cursor=cursor, limit=limit, serialise=review_out, prepare=_with_ratings)


def _with_ratings(rows: list[Review]) -> None:
    """Each review's ratings per objective, for the page's reviews in one query."""
    ratings: dict[int, list[ReviewObjective]] = {row.pk: [] for row in rows}
    for rating in ReviewObjective.objects.filter(review_id__in=list(ratings)).order_by("objective__position", "pk"):
        ratings[rating.review_id].append(rating)
    for row in rows:
        row.ratings = ratings[row.pk]


@api.get("/dashboard", response={200: schemas.DashboardOut, 400: schemas.ErrorOut, **ERRORS}, tags=["dashboard"])
def dashboard(request: HttpRequest, year: str = "", term: str = "", la: str = "", cluster: int | None = None):
    """The dashboard's headline figures for an academic year (default: the current one) or one of its terms, the
    partnership or one LA or cluster: the same figures, by the same definitions, as the dashboard page."""
    token = token_for(request, Resource.DASHBOARD)
    with partnership_scope(token.partnership):
        form = DashboardFilterForm({"year": year, "term": term, "la": la, "cluster": str(cluster or "")},
                                   membership=TokenViewer(token))
        if not form.is_valid():
            problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
            raise HttpError(400, problems)
        scope = form.scope()
        figures = dashboards.dashboard(scope=scope)
    head, impact = figures.headline, figures.impact
    return {
        "year": scope.year, "term": scope.term, "la": scope.la, "cluster": scope.cluster.pk if scope.cluster else None,
        "schools_supported": head["schools_supported"], "requests": head["requests"], "approvals": head["approvals"],
        "median_days_to_approval": head["median_days_to_approval"], "active": head["active"],
        "paused": head["paused"], "completed": head["completed"], "stopped": head["stopped"],
        "days_committed": head["committed"], "days_delivered": head["delivered"],
        "days_awaiting_confirmation": head["awaiting_confirmation"], "reviews_due": head["reviews_due"],
        "reviews_overdue": head["reviews_overdue"], "open_rag": dict(head["open_rag"]),
        "impact_responses": impact["count"],
        "impact_mean": float(impact["average"]) if impact["average"] is not None else None,
    }
