"""Ordering services: drafts, sending with terms and frozen prices, the steering group's decision, withdrawing
and cancelling under the catalogue's rule, with charges, days and credits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from portal.audit.models import AuditEvent
from portal.errors import Conflict, DomainError, NotAllowed
from portal.notifications.models import Notification
from programmes.models import (
    CancellationRule,
    ChargeLine,
    Entitlement,
    EntitlementStatus,
    OrderLine,
    OrderLineStatus,
    OrderStatus,
    PriceBasis,
    Service,
)
from programmes.orders import services, transitions
from tests.factories import SchoolFactory, make_member

pytestmark = [pytest.mark.django_db]
BEFORE = date(2026, 7, 1)


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def _draft(head, shop, **quantities):
    order = services.start_order(actor=head, school=shop["school"], catalogue=shop["catalogue"])
    services.save_draft(actor=head, order=order, quantities={shop[k].pk: q for k, q in quantities.items()},
                        purchase_order="PO-123", payg_beyond_balance=True, today=BEFORE)
    return order


def _sent(head, shop, **quantities):
    order = _draft(head, shop, **quantities)
    return transitions.send_order(actor=head, order=order, accepted={shop[k].pk for k in quantities}, today=BEFORE)


def test_sending_freezes_the_price_and_its_reason_on_each_line(headteacher, broker, shop):
    order = _sent(headteacher, shop, package=2)
    # A later price change does not touch the order.
    Service.objects.filter(pk=shop["package"].pk).update(member_price=Decimal("999.00"))
    [line] = OrderLine.objects.filter(order=order)
    assert (line.quantity, line.unit_price, line.total, line.price_basis) == (
        2, Decimal("900.00"), Decimal("1800.00"), PriceBasis.MEMBER)
    assert line.price_reason == "Your school is a member of the partnership."
    assert line.terms_accepted_at is not None
    assert order.status == OrderStatus.SUBMITTED
    assert AuditEvent.objects.filter(action="order.submitted").count() == 1
    assert Notification.objects.filter(recipient=broker.user, event_type="order.submitted").exists()


def test_a_school_outside_the_partnership_pays_the_non_member_price_and_is_told_why(partnership, broker, shop):
    outside = SchoolFactory(urn="100001", name="Outside School")
    head = make_member(partnership, "headteacher")
    head.schools.add(outside)
    [choice] = [c for c in services.choices_for(shop["catalogue"], outside, today=BEFORE)
                if c.service == shop["package"]]
    assert choice.price.amount == Decimal("1200.00")
    assert choice.price.basis == PriceBasis.NON_MEMBER
    assert "£300.00 more than members pay" in choice.price.reason


def test_every_service_needs_its_terms_accepted_and_nothing_is_sent_without(headteacher, shop):
    order = _draft(headteacher, shop, package=1, moderation=1)
    with pytest.raises(DomainError, match="Accept the terms of"):
        transitions.send_order(actor=headteacher, order=order, accepted={shop["package"].pk}, today=BEFORE)
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT
    assert not OrderLine.objects.filter(order=order, terms_accepted_at__isnull=False).exists()


def test_a_closed_window_refuses_the_service_and_the_draft_keeps_it(headteacher, shop):
    order = _draft(headteacher, shop, package=1)
    Service.objects.filter(pk=shop["package"].pk).update(order_closes=date(2026, 6, 30))
    with pytest.raises(DomainError, match="closed on 30 June 2026"):
        transitions.send_order(actor=headteacher, order=order, accepted={shop["package"].pk}, today=BEFORE)
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT
    assert OrderLine.objects.filter(order=order).count() == 1


def test_a_service_the_school_may_not_buy_cannot_be_put_in_the_draft(headteacher, shop):
    Service.objects.filter(pk=shop["moderation"].pk).update(for_members=False)
    order = services.start_order(actor=headteacher, school=shop["school"], catalogue=shop["catalogue"])
    with pytest.raises(DomainError, match="only for schools outside the partnership"):
        services.save_draft(actor=headteacher, order=order, quantities={shop["moderation"].pk: 1},
                            purchase_order="", payg_beyond_balance=False, today=BEFORE)


def test_a_head_cannot_order_for_a_school_they_do_not_lead(partnership, shop):
    stranger = make_member(partnership, "headteacher")
    with pytest.raises(NotAllowed):
        services.start_order(actor=stranger, school=shop["school"], catalogue=shop["catalogue"])


def test_confirming_charges_each_line_and_grants_its_days_and_tells_the_head(headteacher, broker, shop):
    order = _sent(headteacher, shop, package=2, moderation=1)
    transitions.confirm_order(actor=broker, order=order, today=BEFORE)
    order.refresh_from_db()
    assert (order.status, order.decided_by) == (OrderStatus.CONFIRMED, broker.user)
    charges = ChargeLine.objects.filter(school=shop["school"]).order_by("amount")
    assert [c.amount for c in charges] == [Decimal("250.00"), Decimal("1800.00")]
    [days] = Entitlement.objects.filter(school=shop["school"])
    assert days.days == Decimal("4.0")
    assert Notification.objects.filter(recipient=headteacher.user, event_type="order.decided").exists()


def test_only_the_steering_group_confirms(headteacher, shop):
    order = _sent(headteacher, shop, package=1)
    with pytest.raises(NotAllowed):
        transitions.confirm_order(actor=headteacher, order=order, today=BEFORE)


def test_declining_needs_a_reason_frees_the_place_and_tells_the_head(headteacher, broker, shop):
    order = _sent(headteacher, shop, programme=1)
    assert Service.objects.get(pk=shop["programme"].pk).sold == 1
    with pytest.raises(DomainError):
        transitions.decline_order(actor=broker, order=order, reason="  ")
    transitions.decline_order(actor=broker, order=order, reason="The programme is for schools at risk.")
    order.refresh_from_db()
    assert (order.status, order.decision_note) == (OrderStatus.DECLINED, "The programme is for schools at risk.")
    assert Service.objects.get(pk=shop["programme"].pk).sold == 0
    assert not ChargeLine.objects.exists()
    assert Notification.objects.filter(recipient=headteacher.user, event_type="order.decided").exists()


def test_the_head_withdraws_a_sent_order_before_it_is_decided_but_not_after(headteacher, broker, shop):
    order = _sent(headteacher, shop, programme=1)
    transitions.withdraw_order(actor=headteacher, order=order)
    assert order.status == OrderStatus.WITHDRAWN
    assert Service.objects.get(pk=shop["programme"].pk).sold == 0
    confirmed = _sent(headteacher, shop, programme=1)
    transitions.confirm_order(actor=broker, order=confirmed, today=BEFORE)
    with pytest.raises(NotAllowed):
        transitions.withdraw_order(actor=headteacher, order=confirmed)


def test_the_last_place_refuses_a_second_order_with_a_clear_message_and_keeps_its_draft(partnership, headteacher,
                                                                                       shop):
    first = _draft(headteacher, shop, programme=1)
    other = make_member(partnership, "headteacher")
    other.schools.add(shop["school"])  # a second head of the same school, with a draft of their own
    second = _draft(other, shop, programme=1, package=1)
    assert second.pk != first.pk
    transitions.send_order(actor=headteacher, order=first, accepted={shop["programme"].pk}, today=BEFORE)
    with pytest.raises(Conflict, match="just ordered the last place of Securing Good Programme"):
        transitions.send_order(actor=other, order=second, accepted={shop["programme"].pk, shop["package"].pk},
                               today=BEFORE)
    second.refresh_from_db()
    assert second.status == OrderStatus.DRAFT
    assert OrderLine.objects.filter(order=second).count() == 2
    assert Service.objects.get(pk=shop["package"].pk).sold == 0  # the package's reservation rolled back too


def _confirmed(head, broker, shop, **quantities):
    order = _sent(head, shop, **quantities)
    return transitions.confirm_order(actor=broker, order=order, today=BEFORE)


def test_cancelling_before_the_service_starts_takes_the_days_back_and_credits_every_charge(headteacher, broker,
                                                                                         shop):
    order = _confirmed(headteacher, broker, shop, package=1, moderation=1)
    line = OrderLine.objects.get(order=order, service=shop["package"])
    transitions.cancel_line(actor=headteacher, line=line, reason="Plans changed", today=date(2026, 8, 1))
    line.refresh_from_db()
    assert (line.status, line.cancel_reason) == (OrderLineStatus.CANCELLED, "Plans changed")
    assert Entitlement.objects.get(order_line=line).status == EntitlementStatus.CANCELLED
    assert sum(c.amount for c in ChargeLine.objects.filter(order_line=line)) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED  # the moderation training is still on it
    other = OrderLine.objects.get(order=order, service=shop["moderation"])
    transitions.cancel_line(actor=broker, line=other, reason="Whole order", today=date(2026, 8, 1))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_cancelling_after_the_start_is_refused_with_the_reason(headteacher, broker, shop):
    order = _confirmed(headteacher, broker, shop, package=1)
    line = OrderLine.objects.get(order=order)
    with pytest.raises(Conflict, match="started on 1 September 2026"):
        transitions.cancel_line(actor=headteacher, line=line, reason="Too late", today=date(2026, 9, 2))
    assert ChargeLine.objects.filter(kind="credit").count() == 0


def test_the_notice_rule_needs_the_set_days_before_the_start(headteacher, broker, shop):
    shop["catalogue"].__class__.objects.filter(pk=shop["catalogue"].pk).update(
        cancellation_rule=CancellationRule.NOTICE, cancellation_notice_days=30)
    order = _confirmed(headteacher, broker, shop, package=1)
    line = OrderLine.objects.get(order=order)
    with pytest.raises(Conflict, match="needed 30 days' notice"):
        transitions.cancel_line(actor=headteacher, line=line, reason="x", today=date(2026, 8, 10))
    transitions.cancel_line(actor=headteacher, line=line, reason="x", today=date(2026, 8, 2))


def test_no_cancellation_rule_refuses_every_cancel(headteacher, broker, shop):
    shop["catalogue"].__class__.objects.filter(pk=shop["catalogue"].pk).update(
        cancellation_rule=CancellationRule.NONE)
    order = _confirmed(headteacher, broker, shop, package=1)
    with pytest.raises(Conflict, match="do not allow cancelling"):
        transitions.cancel_order(actor=headteacher, order=order, reason="x", today=date(2026, 7, 2))


def test_cancelling_the_whole_order_cancels_and_credits_every_line(headteacher, broker, shop):
    order = _confirmed(headteacher, broker, shop, package=1, programme=1)
    transitions.cancel_order(actor=broker, order=order, reason="School closing", today=date(2026, 8, 1))
    assert order.status == OrderStatus.CANCELLED
    assert sum(c.amount for c in ChargeLine.objects.filter(school=shop["school"])) == 0
    assert Service.objects.get(pk=shop["programme"].pk).sold == 0


def test_starting_again_carries_on_with_the_heads_own_draft(headteacher, shop):
    first = services.start_order(actor=headteacher, school=shop["school"], catalogue=shop["catalogue"])
    again = services.start_order(actor=headteacher, school=shop["school"], catalogue=shop["catalogue"])
    assert again.pk == first.pk
