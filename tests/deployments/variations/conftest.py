"""Helpers for changes to agreed deployments: propose one through the real service, from the current values."""

from __future__ import annotations

import dataclasses

from django_scopes import scope

from deployments import processes
from deployments.models import Deployment, Variation
from deployments.variations.values import Proposed, current_values


def proposal(deployment: Deployment, **overrides) -> Proposed:
    """The deployment's current values with `overrides` (days, start_date, end_date, rate_kind, day_rate,
    objectives)."""
    with scope(partnership=deployment.partnership_id):
        return dataclasses.replace(current_values(deployment), **overrides)


def propose_change(b, deployment: Deployment, *, actor=None, reason: str = "The school asked for more.",
                   **overrides) -> Variation:
    """The broker (or `actor`) proposes a change through `processes.propose_variation`."""
    values = proposal(deployment, **overrides)
    with scope(partnership=b.partnership):
        return processes.propose_variation(actor=actor or b.broker, deployment=deployment, proposed=values,
                                           reason=reason)

