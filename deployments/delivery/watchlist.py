"""The steering group's personal watchlist of deployments."""

from __future__ import annotations

from django.db import transaction

from deployments.models import Deployment, Watch
from portal.audit.services import record_event
from portal.errors import NotAllowed
from portal.tenancy.models import Membership


@transaction.atomic
def set_watch(*, actor: Membership, deployment: Deployment, watch: bool) -> bool:
    """Add the deployment to the actor's watchlist or take it off. Steering group only; idempotent (watching
    twice keeps one row). Records an audit event when something changed. Returns whether it is now watched."""
    if not actor.can("brokerage.view"):
        raise NotAllowed("Only the steering group keeps a watchlist.")
    if deployment.partnership_id != actor.partnership_id:
        raise NotAllowed("This deployment belongs to another partnership.")
    if watch:
        _, changed = Watch.objects.get_or_create(partnership=actor.partnership, user=actor.user, deployment=deployment)
    else:
        changed = bool(Watch.objects.filter(user=actor.user, deployment=deployment).delete()[0])
    if changed:
        # Not attached to the deployment: a personal watchlist is no part of the deployment's own timeline.
        record_event(partnership=actor.partnership, action="watchlist.added" if watch else "watchlist.removed",
                     actor=actor.user, note=f"Deployment {deployment.reference}")
    return watch
