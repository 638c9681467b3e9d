"""The orders section of the steering group's home page (registered with portal.ui.sections)."""

from __future__ import annotations

from portal.tenancy.models import Membership
from programmes.orders.selectors import waiting_orders


def home_section(*, membership: Membership, **_) -> dict:
    """Orders waiting for a decision, oldest first: two queries, for members who decide orders."""
    if not membership.can("orders.decide"):
        return {}
    waiting = waiting_orders(membership=membership)
    return {"orders_waiting": list(waiting[:5]), "orders_waiting_count": waiting.count()}
