"""Induction: the partnership's checklist for newly designated leaders, ticked off per leader. An item that names a
catalogue service (a programme place) counts as done when the leader's home school has a confirmed, active order
line for that service, without anyone ticking it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from alliances.models import SystemLeader
from leadership.models import InductionItem, InductionTick
from leadership.recruitment.common import require
from portal.audit.services import record_event
from portal.errors import Conflict, DomainError
from portal.tenancy.models import Membership
from programmes.models import (
    OrderLine,
    OrderLineStatus,
    OrderStatus,
    Place,
    PlaceStatus,
    Programme,
    ProgrammeStatus,
    Service,
    ServiceKind,
)


@dataclass(frozen=True)
class Step:
    item: InductionItem
    tick: InductionTick | None
    by_order: bool  # done because the home school has a confirmed place
    by_place: bool = False  # done because the leader holds an accepted place on a cohort of the item's programme

    @property
    def done(self) -> bool:
        return self.tick is not None or self.by_order or self.by_place


def programme_places(partnership) -> list[Service]:
    return list(Service.objects.filter(partnership=partnership, kind=ServiceKind.PROGRAMME_PLACE)
                .select_related("catalogue").order_by("-catalogue__academic_year", "name"))


def programmes_to_name(partnership) -> list[Programme]:
    return list(Programme.objects.filter(partnership=partnership).exclude(status=ProgrammeStatus.ARCHIVED)
                .order_by("title", "pk"))


@transaction.atomic
def add_item(*, actor: Membership, title: str, description: str, service: Service | None,
             programme: Programme | None = None) -> InductionItem:
    require(actor, "recruitment.manage")
    if service is not None and (service.partnership_id != actor.partnership_id
                                or service.kind != ServiceKind.PROGRAMME_PLACE):
        raise DomainError("Choose one of the catalogue's programme places.", field="service")
    if programme is not None and programme.partnership_id != actor.partnership_id:
        raise DomainError("Choose one of the partnership's programmes.", field="programme")
    position = InductionItem.objects.filter(partnership=actor.partnership).count()
    item = InductionItem.objects.create(partnership=actor.partnership, title=title, description=description,
                                        service=service, programme=programme, position=position)
    record_event(partnership=actor.partnership, actor=actor.user, action="induction_item.created", obj=item,
                 new={"title": title, "service": service.pk if service else None,
                      "programme": programme.pk if programme else None})
    return item


@transaction.atomic
def retire_item(*, actor: Membership, item: InductionItem) -> None:
    require(actor, "recruitment.manage")
    InductionItem.objects.filter(pk=item.pk).update(is_active=False)
    record_event(partnership=actor.partnership, actor=actor.user, action="induction_item.retired", obj=item)


def checklist(leader: SystemLeader) -> list[Step]:
    """The leader's steps, in order: three queries (items, ticks, confirmed places at the home school), and a
    fourth when an item names a programme (the leader's own accepted or completed places on its cohorts)."""
    items = list(InductionItem.objects.filter(partnership=leader.partnership_id, is_active=True)
                 .select_related("service", "programme"))
    ticks = {tick.item_id: tick for tick in InductionTick.objects.filter(leader=leader).select_related("ticked_by")}
    services = [item.service_id for item in items if item.service_id]
    placed = set(OrderLine.objects.filter(
        partnership=leader.partnership_id, service_id__in=services, status=OrderLineStatus.ACTIVE,
        order__status=OrderStatus.CONFIRMED, order__school_id=leader.home_school_id,
    ).values_list("service_id", flat=True)) if services else set()
    programmes = [item.programme_id for item in items if item.programme_id]
    on_programme = set(Place.objects.filter(
        partnership=leader.partnership_id, user_id=leader.user_id, cohort__programme_id__in=programmes,
        status=PlaceStatus.ACCEPTED).values_list("cohort__programme_id", flat=True)) \
        if programmes and leader.user_id else set()
    return [Step(item=item, tick=ticks.get(item.pk), by_order=item.service_id in placed,
                 by_place=item.programme_id in on_programme) for item in items]


def can_tick(actor: Membership) -> bool:
    return actor.can("recruitment.manage")


@transaction.atomic
def tick_item(*, actor: Membership, leader: SystemLeader, item: InductionItem, done: bool) -> None:
    """Tick a step off for a leader, or untick it (brokers and admins). Audited."""
    require(actor, "recruitment.manage")
    if item.partnership_id != leader.partnership_id or not item.is_active:
        raise DomainError("That step is not on this partnership's checklist.")
    if done:
        try:
            with transaction.atomic():
                InductionTick.objects.create(partnership=actor.partnership, leader=leader, item=item,
                                             ticked_by=actor.user)
        except IntegrityError:
            raise Conflict(f"\u201c{item.title}\u201d is already ticked off.") from None
    elif not InductionTick.objects.filter(leader=leader, item=item).delete()[0]:
        raise Conflict(f"\u201c{item.title}\u201d is not ticked off.")
    record_event(partnership=actor.partnership, actor=actor.user,
                 action="induction.ticked" if done else "induction.unticked", obj=leader, new={"item": item.title})
