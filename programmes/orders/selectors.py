"""Reads for orders: who sees which, the waiting list, an order's lines, the schools a head orders for."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery, Sum

from alliances.models import PartnershipSchool, School
from portal.tenancy.models import Membership
from programmes.models import Catalogue, CatalogueStatus, Order, OrderLine, OrderStatus


def sees_all_schools(membership: Membership) -> bool:
    """The steering group and admins see every school's orders and statement; a head only their own schools'."""
    return membership.can("orders.view") and not membership.can("orders.create")


def schools_in_view(*, membership: Membership) -> QuerySet[School]:
    """The schools whose orders and statements the member may see: a head's own schools; for the steering group
    every member or client school of the partnership."""
    if sees_all_schools(membership):
        urns = PartnershipSchool.objects.filter(partnership=membership.partnership).values("school_id")
        return School.objects.filter(urn__in=urns)
    if membership.can("orders.create"):
        return membership.schools.all()
    return School.objects.none()


def orders_for(*, membership: Membership) -> QuerySet[Order]:
    orders = Order.objects.filter(partnership=membership.partnership)
    if not sees_all_schools(membership):
        orders = orders.filter(school__in=schools_in_view(membership=membership))
    return orders


def _per_order(aggregate):
    lines = OrderLine.objects.filter(order=OuterRef("pk")).order_by().values("order").annotate(value=aggregate)
    return Subquery(lines.values("value"))


def orders_listed(*, membership: Membership) -> QuerySet[Order]:
    """The orders list, with what each row shows and nothing more: its total (no query per row), the school's name
    and the catalogue's year (not the 45 columns of a school and the 16 of a catalogue)."""
    return (orders_for(membership=membership).select_related("school", "catalogue")
            .only("status", "submitted_at", "created_at", "school__name", "catalogue__academic_year")
            .annotate(order_total=_per_order(Sum("total")))
            .order_by("-submitted_at", "-created_at"))


def waiting_orders(*, membership: Membership) -> QuerySet[Order]:
    """Sent orders waiting for the steering group, oldest first."""
    return (orders_for(membership=membership).filter(status=OrderStatus.SUBMITTED).select_related("school")
            .order_by("submitted_at", "pk"))


def order_lines(*, order: Order) -> list[OrderLine]:
    return list(OrderLine.objects.filter(order=order).select_related("service__catalogue", "cancelled_by").order_by("pk"))


def published_catalogues(*, partnership) -> QuerySet[Catalogue]:
    return Catalogue.objects.filter(partnership=partnership, status=CatalogueStatus.PUBLISHED).order_by("-academic_year")


def open_drafts(*, membership: Membership) -> QuerySet[Order]:
    return orders_for(membership=membership).filter(status=OrderStatus.DRAFT, created_by=membership.user)
