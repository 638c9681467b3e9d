"""factory_boy factories for arranging test data, one module per app, all importable from here.

Every tenant row gets its direct `partnership` key from its parent (see `base.TenantFactory`). Tests of a
service call the service; factories only arrange the rows a test starts from.
"""

from tests.factories.alliances import (
    AllianceFactory,
    AllianceSchoolFactory,
    ClusterFactory,
    ClusterSchoolFactory,
    LocalAuthorityFactory,
    PartnershipSchoolFactory,
    SchoolFactory,
    SpecialismFactory,
    SystemLeaderFactory,
    default_specialisms,
)
from tests.factories.base import bulk
from tests.factories.deployments import (
    CapacityEntryFactory,
    DeploymentFactory,
    ObjectiveFactory,
    OfferFactory,
    ReviewFactory,
    ReviewObjectiveFactory,
    SupportRequestFactory,
    VariationFactory,
    VisitFactory,
    WatchFactory,
)
from tests.factories.portal import (
    PASSWORD,
    CalendarPeriodFactory,
    NotificationFactory,
    PartnershipFactory,
    UserFactory,
    give_mfa,
    make_invitation,
    make_member,
)
from tests.factories.programmes import (
    CatalogueFactory,
    ChargeLineFactory,
    EntitlementFactory,
    OrderFactory,
    OrderLineFactory,
    ServiceFactory,
)

__all__ = [
    "CatalogueFactory", "ChargeLineFactory", "EntitlementFactory", "OrderFactory", "OrderLineFactory", "ServiceFactory",
    "PASSWORD", "AllianceFactory", "AllianceSchoolFactory", "CalendarPeriodFactory", "CapacityEntryFactory",
    "ClusterFactory", "ClusterSchoolFactory", "DeploymentFactory", "LocalAuthorityFactory", "NotificationFactory",
    "ObjectiveFactory", "OfferFactory", "PartnershipFactory", "PartnershipSchoolFactory", "ReviewFactory",
    "ReviewObjectiveFactory", "SchoolFactory", "SpecialismFactory", "SupportRequestFactory", "SystemLeaderFactory",
    "UserFactory", "VariationFactory", "VisitFactory", "WatchFactory", "bulk", "default_specialisms", "give_mfa", "make_invitation",
    "make_member",
]
