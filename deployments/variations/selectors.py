"""Reads for changes to deployments."""

from __future__ import annotations

from django.db.models import QuerySet

from deployments.models import OPEN_VARIATION_STATUSES, Deployment, Variation, VariationStatus
from deployments.visibility import deployments_for
from portal.tenancy.models import Membership


def variations(*, deployment: Deployment) -> list[Variation]:
    """Every change to the deployment, newest first, with the people the page names (one query)."""
    return list(Variation.objects.filter(deployment=deployment).select_related(
        "proposed_by", "decided_by", "head_confirmed_by", "closed_by"))


def open_variation(*, deployment: Deployment) -> Variation | None:
    """The change still waiting on the deployment, if any (there is at most one)."""
    return Variation.objects.filter(deployment=deployment, status__in=OPEN_VARIATION_STATUSES).first()


def variations_for(*, membership: Membership) -> QuerySet[Variation]:
    """Changes to the deployments the member may see, with the deployment the pages show."""
    return Variation.objects.filter(deployment__in=deployments_for(membership=membership).values("pk")).select_related(
        "deployment__school", "deployment__leader", "deployment__request", "deployment__partnership", "proposed_by")



def changes_waiting_for(*, membership: Membership) -> QuerySet[Variation]:
    """The changes waiting for this member, oldest first: an approver's to decide (never their own when four-eyes is
    on), a headteacher's or a system leader's to confirm (their side not confirmed yet)."""
    visible = Variation.objects.filter(deployment__in=deployments_for(membership=membership).values("pk")).select_related(
        "deployment__school", "deployment__leader").order_by("proposed_at", "pk")
    if membership.can("deployments.approve"):
        waiting = visible.filter(status=VariationStatus.PROPOSED)
        return waiting.exclude(proposed_by=membership.user) if membership.partnership.four_eyes_approval else waiting
    if membership.can("requests.create"):
        return visible.filter(status=VariationStatus.CONFIRMING, head_confirmed_at__isnull=True)
    if membership.can("visits.log"):
        return visible.filter(status=VariationStatus.CONFIRMING, leader_confirmed_at__isnull=True)
    return visible.none()
