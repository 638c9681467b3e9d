"""Reads for the dashboards' own deployment page: what LA officers may see of one deployment."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

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


def deployment_in_view(*, membership: Membership, pk: int) -> Deployment | None:
    """The deployment, if it is at a school in the member's local authorities (LA officers) or the partnership."""
    queryset = Deployment.objects.filter(partnership=membership.partnership).select_related("school__la", "leader")
    limited = visible_local_authorities(membership=membership)
    if limited is not None:
        queryset = queryset.filter(school__la__in=limited.values("code"))
    return queryset.filter(pk=pk).first()


def deployment_ratings(*, deployment: Deployment) -> tuple[list[Objective], list[Review], Decimal]:
    """Its objectives, its reviews each with `ratings` (one per objective, in order), and the days delivered.
    Facts and ratings only: no notes, evidence or contact details."""
    objectives = list(Objective.objects.filter(deployment=deployment).select_related("area"))
    reviews = list(with_due_caveats(Review.objects.filter(deployment=deployment)).order_by("kind", "due_on", "pk"))
    ratings: dict[int, dict[int, str]] = {}
    for review_id, objective_id, rag in ReviewObjective.objects.filter(
            review__deployment=deployment, review__status__in=(ReviewStatus.SUBMITTED, ReviewStatus.AGREED)
    ).values_list("review_id", "objective_id", "rag"):
        ratings.setdefault(review_id, {})[objective_id] = rag
    for review in reviews:
        review.ratings = [ratings.get(review.pk, {}).get(o.pk, "") for o in objectives]
    delivered = Visit.objects.filter(deployment=deployment, status=VisitStatus.CONFIRMED).aggregate(
        total=Sum("days"))["total"] or Decimal(0)
    return objectives, reviews, delivered
