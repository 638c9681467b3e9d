"""The orders section of the steering group's home page (registered with portal.ui.sections)."""

from __future__ import annotations

from portal.tenancy.models import Membership
from portal.ui.sections import queued
from programmes.orders.selectors import waiting_orders


def home_section(*, membership: Membership, **_) -> dict:
    """Orders waiting for a decision, oldest first, and how many, for members who decide orders: one query if
    there are any (`portal.ui.sections.queued`), built by a function, so the page builds its statement once for the
    member and the day (`portal.kept`)."""
    if not membership.can("orders.decide"):
        return {}
    return queued("orders_waiting", lambda: waiting_orders(membership=membership).only("submitted_at", "school__name"),
                  5, "orders_waiting_count")
