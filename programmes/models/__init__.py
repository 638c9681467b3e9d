"""The programmes app's models, one module per noun."""

from programmes.models.catalogue import (
    CancellationRule,
    Catalogue,
    CatalogueStatus,
    InvoiceSchedule,
    Service,
    ServiceKind,
    ServiceStatus,
)
from programmes.models.charges import ChargeKind, ChargeLine
from programmes.models.entitlements import Drawdown, DrawdownKind, Entitlement, EntitlementSource, EntitlementStatus
from programmes.models.orders import Order, OrderLine, OrderLineStatus, OrderStatus, PriceBasis

__all__ = [
    "CancellationRule",
    "Catalogue",
    "CatalogueStatus",
    "ChargeKind",
    "ChargeLine",
    "Drawdown",
    "DrawdownKind",
    "Entitlement",
    "EntitlementSource",
    "EntitlementStatus",
    "InvoiceSchedule",
    "Order",
    "OrderLine",
    "OrderLineStatus",
    "OrderStatus",
    "PriceBasis",
    "Service",
    "ServiceKind",
    "ServiceStatus",
]
