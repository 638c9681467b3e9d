"""Reads for deployments, their visits and the watchlist."""

from __future__ import annotations

from django.db.models import DecimalField, Exists, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from alliances.models import School, SystemLeader
from deployments.delivery import page_rows
from deployments.history import deployment_history
from deployments.models import (
    NOT_COUNTED,
    Deployment,
    DeploymentStatus,
    Objective,
    SupportRequest,
    Visit,
    VisitStatus,
    Watch,
)
from deployments.named_people import attach_named_people, with_named_people
from deployments.visibility import deployments_for
from portal.tenancy.models import Membership
from programmes.models import Entitlement, Service

__all__ = ["deployment_history", "deployment_page", "deployments_for", "disputed_visits", "is_watching", "leader_record",
           "objectives", "visits", "visits_to_log", "watchlist"]

# The people a deployment's pages name: its page who decided and confirmed it, its agreement who proposed it too.
PAGE_PEOPLE = ("decided_by", "head_confirmed_by")
AGREEMENT_PEOPLE = ("proposed_by", "decided_by", "head_confirmed_by")


def _unshown(relation: str, model, shown: tuple[str, ...]) -> list[str]:
    return [f"{relation}__{field.name}" for field in model._meta.concrete_fields
            if not field.primary_key and field.name not in shown]


# The columns of the joined school, system leader, request, entitlement and service the pages never read (a
# school has 42, a request 25, a service 29): left unread, the statement is cheaper to compile and its rows to
# load. What they read is kept (a deferred column read would cost a query of its own, and the pages' query counts
# are pinned): of the request, its key (its reference), whether days beyond the balance are pay as you go, and its
# broker (whom a school or a leader asks for a change).
_UNSHOWN = (*_unshown("school", School, ("name", "partnership")),
            *_unshown("leader", SystemLeader, ("partnership", "name", "designation", "user")),
            *_unshown("request", SupportRequest, ("partnership", "payg_beyond_balance", "assigned_broker")),
            *_unshown("entitlement", Entitlement, ("partnership", "academic_year", "service", "days", "used", "held",
                                                   "status")),
            *_unshown("entitlement__service", Service, ("partnership", "name")))


def deployment_page(*, membership: Membership, pk: int, people: tuple[str, ...] = PAGE_PEOPLE,
                    watching: bool = False, lists: tuple[str, ...] = ()) -> Deployment | None:
    """One deployment the member may see, for its page or its agreement: joined to what they show (the school,
    the system leader, the request, the entitlement drawn from and its service), the `people` they name read by
    subqueries (`named_people`: joined too, the eight-table join took 2.5-4 ms to plan for a 0.2 ms read), and
    with `watching` (the member watches it) when asked. The head who confirmed it no longer costs a query of
    its own (it was read lazily), nor does the watch check. `lists`: what the page lists of it ("objectives",
    "visits", "reviews"), read in the same statement on PostgreSQL (`page_rows`), each then one query fewer."""
    rows = deployments_for(membership=membership).select_related(None).select_related(
        "school", "leader", "request", "entitlement__service").defer(*_UNSHOWN)
    if watching:
        rows = rows.annotate(watching=Exists(Watch.objects.filter(
            partnership=membership.partnership, user=membership.user, deployment=OuterRef("pk"))))
    # Unordered: one row by its key needs no ORDER BY, whose expressions Django hashes one by one to build it.
    found = next(iter(page_rows.with_rows(with_named_people(rows, people), lists).filter(pk=pk).order_by()), None)
    return None if found is None else attach_named_people(found, people)


def objectives(*, deployment: Deployment) -> list[Objective]:
    return list(Objective.objects.filter(deployment=deployment).select_related("area"))


def visits(*, deployment: Deployment) -> list[Visit]:
    # The page names nobody who logged, answered or settled a visit: no user table is joined.
    return list(Visit.objects.filter(deployment=deployment))


def disputed_visits(*, membership: Membership) -> QuerySet[Visit]:
    # Not on a closed deployment: its delivered days are counted, so a dispute there can no longer be settled.
    return Visit.objects.filter(partnership=membership.partnership, status=VisitStatus.DISPUTED).exclude(
        deployment__status__in=(DeploymentStatus.COMPLETED, DeploymentStatus.STOPPED, DeploymentStatus.CANCELLED)
    ).select_related(
        "deployment__school", "deployment__leader").order_by("responded_at", "pk")


def leader_record(*, membership: Membership):
    return SystemLeader.objects.filter(partnership=membership.partnership, user=membership.user).first()


def visits_to_log(*, membership: Membership) -> QuerySet[Deployment]:
    """A system leader's deployments under way (and started: a visit is logged after it happens) with agreed days
    not yet logged, annotated with days logged."""
    logged = Visit.objects.filter(deployment=OuterRef("pk")).exclude(status__in=NOT_COUNTED).values(
        "deployment").annotate(total=Sum("days")).values("total")
    return deployments_for(membership=membership).filter(status="active", start_date__lte=timezone.localdate()).annotate(
        logged=Coalesce(Subquery(logged, output_field=DecimalField()), Value(0), output_field=DecimalField()),
    ).annotate(to_log=F("days") - F("logged")).filter(to_log__gt=0).order_by("end_date", "pk")


def is_watching(*, membership: Membership, deployment: Deployment) -> bool:
    return Watch.objects.filter(partnership=membership.partnership, user=membership.user, deployment=deployment).exists()


def watchlist(*, membership: Membership) -> QuerySet[Deployment]:
    """The deployments the member watches, soonest to end first.

    The few watched ids are read first (one indexed query): as a subquery, PostgreSQL's estimate for the
    partnership's deployments (the scope's filter and the selector's, multiplied) led it to join every
    deployment's school, leader and proposer before looking at the watch list (28 ms at 500 deployments)."""
    watched = list(Watch.objects.filter(partnership=membership.partnership, user=membership.user)
                   .values_list("deployment_id", flat=True))
    return deployments_for(membership=membership).filter(pk__in=watched).order_by("end_date", "pk")
