"""Brokerage models, one module per noun, re-exported here so migrations and the app label stay as they are.

requests: SupportRequest and its need areas; offers: Offer; deployments: Deployment, Objective, Watch;
visits: Visit and the CapacityEntry ledger; reviews: Review, ReviewObjective and the outcome checklist;
variations: Variation, a change to an agreed deployment.
"""

from deployments.models.deployments import (
    LIVE_DEPLOYMENT_STATUSES,
    Deployment,
    DeploymentStatus,
    Funder,
    Objective,
    RateKind,
    Watch,
)
from deployments.models.offers import DeclineReason, Offer, OfferStatus
from deployments.models.requests import (
    FundingRoute,
    RequestNeed,
    RequestProgress,
    RequestStatus,
    SupportLevel,
    SupportRequest,
    Urgency,
)
from deployments.models.reviews import (
    LINK_PARTNER_ELEMENTS,
    LINK_PARTNER_LABELS,
    OUTCOME_GROUPS,
    OUTCOME_LABELS,
    OUTCOMES,
    Met,
    Rag,
    Review,
    ReviewKind,
    ReviewObjective,
    ReviewStatus,
    with_due_caveats,
)
from deployments.models.variations import OPEN_VARIATION_STATUSES, Variation, VariationStatus
from deployments.models.visits import NOT_COUNTED, CapacityEntry, Visit, VisitLength, VisitStatus

__all__ = [
    "LIVE_DEPLOYMENT_STATUSES", "NOT_COUNTED", "OPEN_VARIATION_STATUSES", "CapacityEntry", "DeclineReason", "Deployment",
    "DeploymentStatus", "Funder",
    "FundingRoute", "LINK_PARTNER_ELEMENTS", "LINK_PARTNER_LABELS", "Met", "OUTCOMES", "OUTCOME_GROUPS", "OUTCOME_LABELS", "Objective", "Offer", "OfferStatus", "Rag",
    "RateKind", "RequestNeed", "RequestProgress", "RequestStatus", "Review", "ReviewKind", "ReviewObjective", "ReviewStatus",
    "SupportLevel", "SupportRequest", "Urgency", "Variation", "VariationStatus", "Visit", "VisitLength", "VisitStatus",
    "Watch", "with_due_caveats",
]
