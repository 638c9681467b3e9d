from __future__ import annotations

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from deployments.models import (
    LIVE_DEPLOYMENT_STATUSES,
    Deployment,
    Objective,
    Offer,
    RequestNeed,
    RequestStatus,
    SupportRequest,
    Visit,
    VisitStatus,
)
from portal.audit.models import AuditEvent
from portal.tenancy.models import Membership


def requests_for(*, membership: Membership) -> QuerySet[SupportRequest]:
    """What the member may see: headteachers their schools' requests; the steering group every sent request."""
    queryset = SupportRequest.objects.filter(partnership=membership.partnership).select_related(
        "school", "created_by", "assigned_broker")
    if membership.can("requests.triage") or membership.can("brokerage.view"):
        return queryset.exclude(status=RequestStatus.DRAFT)
    if membership.can("requests.create"):
        return queryset.filter(school__in=membership.schools.all())
    return queryset.none()


def request_needs(*, request: SupportRequest) -> list:
    return [link.specialism for link in RequestNeed.objects.filter(request=request).select_related("specialism")
            .order_by("specialism__group", "specialism__name")]


def request_deployments(*, request: SupportRequest) -> QuerySet[Deployment]:
    return Deployment.objects.filter(request=request).select_related("leader").order_by("-proposed_at", "-pk")


def triage_queue(*, membership: Membership) -> QuerySet[SupportRequest]:
    """Sent requests waiting for a decision, oldest first: the broker's work queue."""
    return requests_for(membership=membership).filter(status=RequestStatus.SUBMITTED).order_by("submitted_at", "pk")


def offers_for(*, membership: Membership) -> QuerySet[Offer]:
    """System leaders see the offers made to them; the steering group sees every offer."""
    queryset = Offer.objects.filter(partnership=membership.partnership).select_related(
        "request__school", "leader", "offered_by")
    if membership.can("brokerage.view"):
        return queryset
    if membership.can("offers.respond"):
        return queryset.filter(leader__user=membership.user)
    return queryset.none()


def request_offers(*, request: SupportRequest) -> QuerySet[Offer]:
    return Offer.objects.filter(request=request).select_related("leader", "offered_by").order_by("-created_at", "-pk")


def deployments_for(*, membership: Membership) -> QuerySet[Deployment]:
    """Headteachers see their schools' deployments, system leaders their own, the steering group all."""
    queryset = Deployment.objects.filter(partnership=membership.partnership).select_related(
        "school", "leader", "request", "proposed_by", "decided_by")
    if membership.can("brokerage.view"):
        return queryset
    if membership.can("requests.create"):
        return queryset.filter(school__in=membership.schools.all())
    if membership.can("visits.log"):
        return queryset.filter(leader__user=membership.user)
    return queryset.none()


def objectives(*, deployment: Deployment) -> list[Objective]:
    return list(Objective.objects.filter(deployment=deployment).select_related("area"))


def visits(*, deployment: Deployment) -> list[Visit]:
    return list(Visit.objects.filter(deployment=deployment).select_related("logged_by", "responded_by", "resolved_by"))


def timeline(*, partnership, objects: dict[type, list[int]]) -> QuerySet[AuditEvent]:
    """Every audit event about the given objects, oldest first: who did what, when and why."""
    condition = Q(pk__in=[])
    for model, ids in objects.items():
        if ids:
            condition |= Q(object_type=ContentType.objects.get_for_model(model), object_id__in=[str(i) for i in ids])
    return AuditEvent.objects.filter(condition, partnership=partnership).select_related("actor").order_by("created_at", "id")


def request_history(*, request: SupportRequest) -> QuerySet[AuditEvent]:
    offer_ids = list(Offer.objects.filter(request=request).values_list("pk", flat=True))
    deployment_ids = list(Deployment.objects.filter(request=request).values_list("pk", flat=True))
    return timeline(partnership=request.partnership_id,
                    objects={SupportRequest: [request.pk], Offer: offer_ids, Deployment: deployment_ids})


def deployment_history(*, deployment: Deployment, visit_ids: list[int]) -> QuerySet[AuditEvent]:
    return timeline(partnership=deployment.partnership_id, objects={Deployment: [deployment.pk], Visit: visit_ids})


def awaiting_proposal(*, membership: Membership) -> QuerySet[SupportRequest]:
    """Requests a system leader accepted, with no deployment live or done yet: the broker proposes next."""
    from deployments.models import DeploymentStatus

    return requests_for(membership=membership).filter(status=RequestStatus.MATCHED).exclude(
        pk__in=Deployment.objects.filter(status__in=(*LIVE_DEPLOYMENT_STATUSES, DeploymentStatus.COMPLETED,
                                                     DeploymentStatus.STOPPED)).values("request_id")
    ).order_by("triaged_at", "pk")


def disputed_visits(*, membership: Membership) -> QuerySet[Visit]:
    return Visit.objects.filter(partnership=membership.partnership, status=VisitStatus.DISPUTED).select_related(
        "deployment__school", "deployment__leader").order_by("responded_at", "pk")


def leader_record(*, membership: Membership):
    from alliances.models import SystemLeader

    return SystemLeader.objects.filter(partnership=membership.partnership, user=membership.user).first()


def home_sections(*, membership: Membership) -> dict:
    """What each role's home page lists from brokerage: what needs them next. A fixed number of queries."""
    sections: dict = {}
    if membership.can("requests.create"):
        mine = deployments_for(membership=membership)
        sections["deployments"] = list(mine.order_by("-proposed_at", "-pk")[:10])
        # The next steps agreed in the latest agreed review of each of the school's live deployments.
        from django.db.models import F, OuterRef, Subquery

        from deployments.models import Review, ReviewStatus

        latest = Review.objects.filter(deployment=OuterRef("deployment"), status=ReviewStatus.AGREED).order_by(
            "-due_on", "-pk").values("pk")[:1]
        sections["next_steps"] = list(Review.objects.filter(
            deployment__in=mine.filter(status__in=LIVE_DEPLOYMENT_STATUSES).values("pk"), status=ReviewStatus.AGREED)
            .annotate(latest=Subquery(latest)).filter(pk=F("latest")).exclude(next_steps="")
            .select_related("deployment__school", "deployment__leader").order_by("-due_on", "-pk")[:5])
        sections["visits_to_confirm"] = list(
            Visit.objects.filter(deployment__in=mine.filter(status="active").values("pk"), status=VisitStatus.LOGGED)
            .select_related("deployment__leader", "deployment__school").order_by("visit_date")[:10])
    if membership.can("reviews.write") or membership.can("reviews.agree"):
        from django.utils import timezone

        from deployments.models import Review, ReviewStatus

        writer = membership.can("reviews.write")
        waiting = Q(status=ReviewStatus.DUE, due_on__lte=timezone.localdate() + timedelta(days=21)) if writer else Q(
            status=ReviewStatus.SUBMITTED)
        sections["reviews_to_do"] = list(Review.objects.filter(
            waiting, deployment__in=deployments_for(membership=membership).values("pk"))
            .select_related("deployment__school").order_by("due_on", "pk")[:10])
    if membership.can("offers.respond"):
        sections["open_offers"] = list(offers_for(membership=membership).filter(status="open").order_by("expires_at")[:10])
        sections["my_deployments"] = list(deployments_for(membership=membership).filter(
            status__in=LIVE_DEPLOYMENT_STATUSES).order_by("start_date", "pk")[:10])
        sections["visits_to_log"] = list(visits_to_log(membership=membership)[:10])
        leader = leader_record(membership=membership)
        if leader is not None:
            from deployments.capacity import current_ledger

            sections["leader"] = leader
            sections["ledger"] = current_ledger(partnership=membership.partnership, leader=leader)
    if membership.can("offers.make"):
        sections["to_propose"] = list(awaiting_proposal(membership=membership)[:10])
        waiting_offers = offers_for(membership=membership).filter(status="open").order_by("expires_at", "pk")
        sections["offers_waiting"] = waiting_offers.count()
        sections["offers_waiting_list"] = list(waiting_offers[:10])
        sections["disputes"] = list(disputed_visits(membership=membership)[:10])
        sections["awaiting_agreement"] = list(deployments_for(membership=membership).filter(status="approved")
                                              .order_by("decided_at")[:10])
        overdue = overdue_reviews(membership=membership)
        sections["overdue_reviews"] = list(overdue[:10])
        sections["overdue_count"] = overdue.count()
        waiting_approval = deployments_for(membership=membership).filter(status="proposed").order_by("proposed_at", "pk")
        sections["awaiting_approval"] = list(waiting_approval[:10])
        sections["awaiting_approval_count"] = waiting_approval.count()
        sections["my_requests"] = list(requests_for(membership=membership).filter(
            assigned_broker=membership.user, status=RequestStatus.TRIAGED)
            .order_by("triaged_at", "pk")[:10])
    if membership.can("brokerage.view"):
        from django.utils import timezone

        today = timezone.localdate()
        due = designations_due(membership=membership, today=today)
        sections["designations_due"] = list(due[:10])
        sections["designations_due_count"] = due.count()
        sections["watchlist"] = list(watchlist(membership=membership)[:20])
        sections["today"] = today
    if membership.can("deployments.approve"):
        queue = deployments_for(membership=membership).filter(status="proposed").order_by("proposed_at", "pk")
        sections["to_decide"] = list(queue[:10])
        sections["to_decide_count"] = queue.count()
    return sections


def visits_to_log(*, membership: Membership) -> QuerySet[Deployment]:
    """A system leader's deployments under way with agreed days not yet logged, annotated with days logged."""
    from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    logged = Visit.objects.filter(deployment=OuterRef("pk")).exclude(status=VisitStatus.REMOVED).values(
        "deployment").annotate(total=Sum("days")).values("total")
    return deployments_for(membership=membership).filter(status="active").annotate(
        logged=Coalesce(Subquery(logged, output_field=DecimalField()), Value(0), output_field=DecimalField()),
    ).annotate(to_log=F("days") - F("logged")).filter(to_log__gt=0).order_by("end_date", "pk")


def is_watching(*, membership: Membership, deployment: Deployment) -> bool:
    from deployments.models import Watch

    return Watch.objects.filter(partnership=membership.partnership, user=membership.user, deployment=deployment).exists()


def watchlist(*, membership: Membership) -> QuerySet[Deployment]:
    """The deployments the member watches, soonest to end first."""
    from deployments.models import Watch

    return deployments_for(membership=membership).filter(pk__in=Watch.objects.filter(
        partnership=membership.partnership, user=membership.user).values("deployment_id")).order_by("end_date", "pk")


def designations_due(*, membership: Membership, today, within_days: int = 30):
    """System leaders whose designation is due for review within `within_days` (or already overdue)."""
    from alliances.models import LeaderStatus, SystemLeader

    return SystemLeader.objects.filter(
        partnership=membership.partnership, status__in=(LeaderStatus.ACTIVE, LeaderStatus.UNDER_REVIEW),
        review_due__lte=today + timedelta(days=within_days)).order_by("review_due", "name")


def review_progress(*, review) -> list:
    from deployments.models import ReviewObjective

    return list(ReviewObjective.objects.filter(review=review).select_related("objective__area")
                .order_by("objective__position", "objective_id"))


def deployment_reviews(*, deployment: Deployment) -> list:
    from deployments.models import Review

    return list(Review.objects.filter(deployment=deployment).order_by("kind", "due_on", "pk")[:20])


def overdue_reviews(*, membership: Membership):
    from django.utils import timezone

    from deployments.models import Review, ReviewStatus

    return Review.objects.filter(partnership=membership.partnership, status=ReviewStatus.DUE,
                                 due_on__lt=timezone.localdate()).select_related(
        "deployment__school", "deployment__leader").order_by("due_on", "pk")
