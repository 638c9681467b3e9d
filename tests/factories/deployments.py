"""Brokerage rows: requests, offers, deployments and what hangs off them. For arranging data only: a test
of a service calls the service (these write no audit events and send no notifications)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from deployments.models import (
    CapacityEntry,
    Deployment,
    DeploymentStatus,
    Funder,
    FundingRoute,
    Objective,
    Offer,
    RateKind,
    RequestStatus,
    Review,
    ReviewKind,
    ReviewObjective,
    ReviewStatus,
    SupportLevel,
    SupportRequest,
    Urgency,
    Variation,
    VariationStatus,
    Visit,
    VisitStatus,
    Watch,
)
from tests.factories.alliances import SchoolFactory, SpecialismFactory, SystemLeaderFactory
from tests.factories.base import TenantFactory, in_parent_partnership, set_m2m
from tests.factories.portal import PartnershipFactory, UserFactory


class SupportRequestFactory(TenantFactory):
    """A complete request, sent to the steering group. `needs=[...]` sets its need areas.

    Traits: `triaged=True` (taken on as targeted support), `matched=True` (a leader accepted)."""

    class Meta:
        model = SupportRequest

    partnership = factory.SubFactory(PartnershipFactory)
    school = factory.SubFactory(SchoolFactory)
    created_by = factory.SubFactory(UserFactory)
    status = RequestStatus.SUBMITTED
    context = "Maths results fell."
    success = "Pupils back on track."
    urgency = Urgency.SOON
    days_wanted = Decimal(3)
    funding_route = FundingRoute.CORE
    consent_to_share = True
    submitted_at = factory.LazyAttribute(lambda o: None if o.status == RequestStatus.DRAFT else timezone.now())

    class Params:
        triaged = factory.Trait(status=RequestStatus.TRIAGED, support_level=SupportLevel.TARGETED,
                                triaged_at=factory.LazyFunction(timezone.now))
        matched = factory.Trait(status=RequestStatus.MATCHED, support_level=SupportLevel.TARGETED,
                                triaged_at=factory.LazyFunction(timezone.now))

    @factory.post_generation
    def needs(obj, create, extracted, **kwargs):
        if create:
            set_m2m(obj, "needs", extracted)


class OfferFactory(TenantFactory):
    """An open offer of a triaged request to a system leader, answerable for five days."""

    _parents = ("request", "leader")

    class Meta:
        model = Offer

    partnership = factory.SubFactory(PartnershipFactory)
    request = in_parent_partnership(SupportRequestFactory, triaged=True)
    leader = in_parent_partnership(SystemLeaderFactory)
    offered_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=5))


class DeploymentFactory(TenantFactory):
    """A proposed deployment of 3 days at the member rate, paid by the school, starting today for 60 days;
    at the request's school."""

    _parents = ("request", "leader", "offer")

    class Meta:
        model = Deployment

    partnership = factory.SubFactory(PartnershipFactory)
    request = in_parent_partnership(SupportRequestFactory, matched=True)
    school = factory.LazyAttribute(lambda o: o.request.school)
    leader = in_parent_partnership(SystemLeaderFactory)
    status = DeploymentStatus.PROPOSED
    days = Decimal(3)
    rate_kind = RateKind.MEMBER
    day_rate = Decimal(350)
    funder = Funder.SCHOOL
    start_date = factory.LazyFunction(timezone.localdate)
    end_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=60))
    proposed_by = factory.SubFactory(UserFactory)


class ObjectiveFactory(TenantFactory):
    _parents = ("deployment",)

    class Meta:
        model = Objective

    partnership = factory.SubFactory(PartnershipFactory)
    deployment = in_parent_partnership(DeploymentFactory)
    area = in_parent_partnership(SpecialismFactory)
    description = factory.LazyAttribute(lambda o: f"{o.area.name} objective")
    success_criteria = factory.LazyAttribute(lambda o: f"{o.area.name} criteria")
    position = 0


class VisitFactory(TenantFactory):
    """A whole day logged by the deployment's leader (or its proposer), waiting for the school."""

    _parents = ("deployment",)

    class Meta:
        model = Visit

    partnership = factory.SubFactory(PartnershipFactory)
    deployment = in_parent_partnership(DeploymentFactory, status=DeploymentStatus.ACTIVE)
    visit_date = factory.LazyAttribute(lambda o: o.deployment.start_date)
    days = Decimal(1)
    focus = "Focus"
    status = VisitStatus.LOGGED
    logged_by = factory.LazyAttribute(lambda o: o.deployment.leader.user or o.deployment.proposed_by)


class ReviewFactory(TenantFactory):
    """A termly review of the autumn term 2026, due on 4 December, not yet written."""

    _parents = ("deployment",)

    class Meta:
        model = Review

    partnership = factory.SubFactory(PartnershipFactory)
    deployment = in_parent_partnership(DeploymentFactory, status=DeploymentStatus.ACTIVE)
    kind = ReviewKind.TERMLY
    term_key = "2026-27 autumn"
    due_on = date(2026, 12, 4)
    status = ReviewStatus.DUE


class ReviewObjectiveFactory(TenantFactory):
    """Green progress on one objective of the review's deployment."""

    _parents = ("review", "objective")

    class Meta:
        model = ReviewObjective

    partnership = factory.SubFactory(PartnershipFactory)
    review = in_parent_partnership(ReviewFactory)
    objective = in_parent_partnership(ObjectiveFactory, deployment=factory.SelfAttribute("..review.deployment"))
    rag = "green"
    evidence = "Lesson visits"


class CapacityEntryFactory(TenantFactory):
    """Days a deployment (or, with `offer=` and `deployment=None`, an accepted offer) holds in a term of
    the deployment's leader."""

    _parents = ("deployment", "offer", "leader")

    class Meta:
        model = CapacityEntry

    partnership = factory.SubFactory(PartnershipFactory)
    deployment = in_parent_partnership(DeploymentFactory)
    offer = None
    leader = factory.LazyAttribute(lambda o: (o.deployment or o.offer).leader)
    term_key = "2026-27 autumn"
    days = Decimal(3)


class WatchFactory(TenantFactory):
    _parents = ("deployment",)

    class Meta:
        model = Watch

    partnership = factory.SubFactory(PartnershipFactory)
    deployment = in_parent_partnership(DeploymentFactory)
    user = factory.SubFactory(UserFactory)



class VariationFactory(TenantFactory):
    """A broker's proposed change to a deployment, waiting for approval: two more days and a week later."""

    _parents = ("deployment",)

    class Meta:
        model = Variation

    partnership = factory.SubFactory(PartnershipFactory)
    deployment = in_parent_partnership(DeploymentFactory)
    status = VariationStatus.PROPOSED
    reason = "The school asked for two more days."
    old_days = factory.LazyAttribute(lambda o: o.deployment.days)
    new_days = factory.LazyAttribute(lambda o: o.deployment.days + 2)
    old_start_date = factory.LazyAttribute(lambda o: o.deployment.start_date)
    new_start_date = factory.LazyAttribute(lambda o: o.deployment.start_date)
    old_end_date = factory.LazyAttribute(lambda o: o.deployment.end_date)
    new_end_date = factory.LazyAttribute(lambda o: o.deployment.end_date + timedelta(days=7))
    old_rate_kind = factory.LazyAttribute(lambda o: o.deployment.rate_kind)
    new_rate_kind = factory.LazyAttribute(lambda o: o.deployment.rate_kind)
    old_day_rate = factory.LazyAttribute(lambda o: o.deployment.day_rate)
    new_day_rate = factory.LazyAttribute(lambda o: o.deployment.day_rate)
    needs_approval = True
    proposed_by = factory.SubFactory(UserFactory)
