"""Reads for reviews."""

from __future__ import annotations

from django.utils import timezone

from deployments.models import Deployment, Review, ReviewObjective, ReviewStatus, with_due_caveats
from portal.tenancy.models import Membership


def review_progress(*, review) -> list:
    return list(ReviewObjective.objects.filter(review=review).select_related("objective__area")
                .order_by("objective__position", "objective_id"))


def deployment_reviews(*, deployment: Deployment, only: tuple[str, ...] = ()) -> list:
    """The deployment's reviews (at most 20), with `only` those columns read when given."""
    rows = Review.objects.filter(deployment=deployment)
    return list(with_due_caveats(rows.only(*only) if only else rows).order_by("kind", "due_on", "pk")[:20])


def page_reviews(*, deployment: Deployment) -> list:
    """`deployment_reviews` as the deployment's page lists them: each one's kind, term, due date (and how sure it
    is) and status, without the texts and scores (21 columns to 7)."""
    return deployment_reviews(deployment=deployment, only=("partnership", "deployment", "kind", "term_key", "due_on",
                                                          "status"))


def overdue_reviews(*, membership: Membership):
    return with_due_caveats(Review.objects.filter(partnership=membership.partnership, status=ReviewStatus.DUE,
                                                  due_on__lt=timezone.localdate())).select_related(
        "deployment__school", "deployment__leader").order_by("due_on", "pk")
