"""The orders section of the steering group's home page (registered with portal.ui.sections)."""

from __future__ import annotations

from portal.queues import first_and_total
from portal.tenancy.models import Membership
from programmes.orders.selectors import waiting_orders


def home_section(*, membership: Membership, **_) -> dict:
    """Orders waiting for a decision, oldest first, and how many: one query, for members who decide orders."""
    if not membership.can("orders.decide"):
        return {}
    waiting, count = first_and_total(waiting_orders(membership=membership).only("submitted_at", "school__name"), 5)
    return {"orders_waiting": waiting, "orders_waiting_count": count}
