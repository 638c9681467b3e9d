"""Reads for changes to deployments."""

from __future__ import annotations

from django.db.models import QuerySet

from deployments.models import Deployment, Variation
from deployments.visibility import deployments_for
from portal.tenancy.models import Membership


def variations(*, deployment: Deployment) -> list[Variation]:
    """Every change to the deployment, newest first, with the people the page names (one query)."""
    return list(Variation.objects.filter(deployment=deployment).select_related(
        "proposed_by", "decided_by", "head_confirmed_by", "closed_by"))


def variations_for(*, membership: Membership) -> QuerySet[Variation]:
    """Changes to the deployments the member may see, with the deployment the pages show."""
    return Variation.objects.filter(deployment__in=deployments_for(membership=membership).values("pk")).select_related(
        "deployment__school", "deployment__leader", "deployment__request", "deployment__partnership", "proposed_by")

