"""Reads for the dashboards' own deployment page: what LA officers may see of one deployment."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import CharField, DecimalField, IntegerField, Sum, Value
from django.db.models.functions import Cast

from alliances.selectors import visible_local_authorities
from deployments.models import (
    Deployment,
    Objective,
    Review,
    ReviewObjective,
    ReviewStatus,
    Visit,
    VisitStatus,
    with_due_caveats,
)
from portal.tenancy.models import Membership

# The columns the page shows of the deployment, its school (and LA) and its system leader: not every column of
# three tables (a school has about forty).
SHOWN = ("pk", "partnership_id", "school_id", "leader_id", "status", "days", "funder", "start_date", "end_date",
         "school__urn", "school__name", "school__la_id", "school__la__code", "school__la__name", "leader__id",
         "leader__name", "leader__designation")
DELIVERED = "delivered"  # in `deployment_ratings`, the visits' days beside the ratings (no rating is called this)


def deployment_in_view(*, membership: Membership, pk: int) -> Deployment | None:
    """The deployment, if it is at a school in the member's local authorities (LA officers) or the partnership."""
    queryset = Deployment.objects.filter(partnership=membership.partnership).select_related("school__la", "leader").only(
        *SHOWN)
    limited = visible_local_authorities(membership=membership)
    if limited is not None:
        queryset = queryset.filter(school__la__in=limited.values("code"))
    return queryset.filter(pk=pk).first()


def deployment_ratings(*, deployment: Deployment) -> tuple[list[Objective], list[Review], Decimal]:
    """Its objectives, its reviews each with `ratings` (one per objective, in order), and the days delivered.
    Facts and ratings only: no notes, evidence or contact details."""
    objectives = list(Objective.objects.filter(deployment=deployment).select_related("area").only(
        "pk", "partnership_id", "deployment_id", "description", "success_criteria", "area__id", "area__name"))
    reviews = list(with_due_caveats(Review.objects.filter(deployment=deployment)).only(
        "pk", "partnership_id", "deployment_id", "kind", "term_key", "due_on", "status", "impact_score",
        "head_impact_score").order_by("kind", "due_on", "pk"))
    # One statement: each rating of a sent or agreed review, then the confirmed visits' days (marked `DELIVERED`
    # as the rating; no rating is called this), named as the ratings' columns are.
    ratings_qs = ReviewObjective.objects.filter(
        review__deployment=deployment, review__status__in=(ReviewStatus.SUBMITTED, ReviewStatus.AGREED)
    ).annotate(no_days=Cast(Value(None), DecimalField(max_digits=5, decimal_places=1))).values_list(
        "review_id", "objective_id", "rag", "no_days").order_by()
    days_qs = Visit.objects.filter(deployment=deployment, status=VisitStatus.CONFIRMED).values("deployment_id").annotate(
        no_objective=Value(None, IntegerField()), marker=Value(DELIVERED, CharField(max_length=20)),
        total=Sum("days")).values_list("deployment_id", "no_objective", "marker", "total").order_by()
    ratings: dict[int, dict[int, str]] = {}
    delivered = Decimal(0)
    for review_id, objective_id, rag, days in ratings_qs.union(days_qs, all=True):
        if rag == DELIVERED:
            delivered = days or Decimal(0)
        else:
            ratings.setdefault(review_id, {})[objective_id] = rag
    for review in reviews:
        review.ratings = [ratings.get(review.pk, {}).get(o.pk, "") for o in objectives]
    return objectives, reviews, delivered
