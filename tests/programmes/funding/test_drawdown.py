"""The drawdown services on their own: hold, draw, refuse, pay as you go beyond the balance, give back, release;
each once, with the entitlement's counters always the sums of its ledger rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django_scopes import scopes_disabled

from portal.audit.models import AuditEvent
from portal.errors import Conflict
from programmes.funding import drawdown
from programmes.funding.drawdown import BeyondBalance
from programmes.funding.entitlements import cancel_for_order_line, grant_for_order_line
from programmes.models import ChargeKind, ChargeLine, Drawdown, DrawdownKind, Entitlement, EntitlementStatus
from tests.factories import EntitlementFactory, OrderLineFactory, UserFactory

pytestmark = [pytest.mark.django_db]
D = Decimal
HOLDER = "deployment:7"


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


@pytest.fixture
def actor():
    return UserFactory()


def fresh(entitlement) -> Entitlement:
    row = Entitlement.objects.get(pk=entitlement.pk)
    sums = Drawdown.objects.filter(entitlement=row).aggregate(days=Sum("days"), held=Sum("held"))
    assert (row.used, row.held) == (sums["days"] or 0, sums["held"] or 0), "the counters are the ledger's sums"
    return row


def hold(entitlement, actor, days, *, allow_short=False, cause=("deployment", 7)):
    return drawdown.hold_days(entitlement_id=entitlement.pk, holder=HOLDER, agreed=D(days), cause=cause,
                              allow_short=allow_short, actor=actor)


def draw(entitlement, actor, visit, days, *, beyond=None, holder=HOLDER):
    return drawdown.draw_for_visit(entitlement_id=entitlement.pk, holder=holder, visit_id=visit, days=D(days),
                                   school_name="Histon", beyond=beyond, actor=actor)


def test_approval_holds_the_agreed_days_and_visits_draw_from_the_hold(actor):
    entitlement = EntitlementFactory(days=D(3))
    assert hold(entitlement, actor, 2) == D(2)
    assert (fresh(entitlement).used, fresh(entitlement).held, fresh(entitlement).free) == (0, 2, 1)
    assert draw(entitlement, actor, 101, "1.0").drawn == D(1)
    row = fresh(entitlement)
    assert (row.used, row.held, row.free) == (1, 1, 1)
    movement = Drawdown.objects.get(entitlement=entitlement, kind=DrawdownKind.DRAW)
    assert (movement.cause_type, movement.cause_id, movement.days, movement.held) == ("visit", 101, D(1), D(-1))
    assert AuditEvent.objects.filter(action="entitlement.draw", object_id=str(entitlement.pk)).count() == 1


def test_confirming_the_same_visit_twice_draws_once(actor):
    entitlement = EntitlementFactory(days=D(2))
    draw(entitlement, actor, 5, "1.0")
    assert draw(entitlement, actor, 5, "1.0").drawn == 0
    assert fresh(entitlement).used == D(1)
    assert Drawdown.objects.filter(entitlement=entitlement).count() == 1


def test_a_hold_that_does_not_fit_is_refused_unless_the_head_agreed_to_pay_as_you_go(actor):
    entitlement = EntitlementFactory(days=D(1))
    drawdown.hold_days(entitlement_id=entitlement.pk, holder="deployment:1", agreed=D("0.5"), cause=("deployment", 1),
                       allow_short=False, actor=actor)
    with pytest.raises(Conflict, match="has 0.5 days free, but this needs 2 days more"):
        hold(entitlement, actor, 2)
    assert fresh(entitlement).held == D("0.5")
    assert hold(entitlement, actor, 2, allow_short=True) == D("0.5")
    assert fresh(entitlement).free == 0


def test_drawing_beyond_the_balance_is_refused_and_writes_nothing(actor):
    entitlement = EntitlementFactory(days=D("0.5"))
    with pytest.raises(Conflict, match="has 0.5 days left, not the 1 day this visit needs"):
        draw(entitlement, actor, 9, "1.0")
    assert fresh(entitlement).used == 0
    assert not Drawdown.objects.exists() and not ChargeLine.objects.exists()


def test_beyond_the_balance_with_consent_the_rest_is_charged_as_pay_as_you_go_at_the_frozen_rate(actor):
    entitlement = EntitlementFactory(days=D("0.5"))
    beyond = BeyondBalance(day_rate=D("420.00"), description="D00007: Amy Best, visit", on=date(2026, 10, 5))
    result = draw(entitlement, actor, 9, "1.0", beyond=beyond)
    assert result.drawn == D("0.5") and fresh(entitlement).free == 0
    charge = ChargeLine.objects.get()
    assert (charge.kind, charge.quantity, charge.unit_price, charge.amount, charge.cause_id) == (
        ChargeKind.PAYG, D("0.5"), D("420.00"), D("210.00"), 9)
    assert charge.school_id == entitlement.school_id and charge.financial_year == "2026-27"
    draw(entitlement, actor, 9, "1.0", beyond=beyond)  # confirming twice charges once
    assert ChargeLine.objects.count() == 1


def test_a_visit_that_stops_counting_gives_its_days_back_to_its_hold_once(actor):
    entitlement = EntitlementFactory(days=D(2))
    hold(entitlement, actor, 2)
    draw(entitlement, actor, 3, "1.0")
    back = drawdown.give_back_visit(entitlement_id=entitlement.pk, visit_id=3, actor=actor, note="Removed")
    assert (back.kind, back.days, back.held) == (DrawdownKind.GIVE_BACK, D(-1), D(1))
    assert (fresh(entitlement).used, fresh(entitlement).held) == (0, 2)
    assert drawdown.give_back_visit(entitlement_id=entitlement.pk, visit_id=3, actor=actor) is None
    assert drawdown.give_back_visit(entitlement_id=entitlement.pk, visit_id=4, actor=actor) is None  # never drew


def test_closing_releases_what_the_deployment_still_holds_once(actor):
    entitlement = EntitlementFactory(days=D(3))
    hold(entitlement, actor, 3)
    draw(entitlement, actor, 1, "1.0")
    released = drawdown.release_hold(entitlement_id=entitlement.pk, holder=HOLDER, cause=("deployment", 7), actor=actor)
    assert (released.kind, released.held) == (DrawdownKind.RELEASE, D(-2))
    assert (fresh(entitlement).used, fresh(entitlement).held, fresh(entitlement).free) == (1, 0, 2)
    assert drawdown.release_hold(entitlement_id=entitlement.pk, holder=HOLDER, cause=("deployment", 7),
                                 actor=actor) is None


def test_a_change_of_days_holds_more_or_releases_some(actor):
    entitlement = EntitlementFactory(days=D(4))
    hold(entitlement, actor, 2)
    draw(entitlement, actor, 1, "1.0")
    assert hold(entitlement, actor, 4, cause=("variation", 1)) == D(2)  # 4 agreed, 1 drawn: hold 3
    assert fresh(entitlement).held == D(3)
    assert hold(entitlement, actor, 2, cause=("variation", 2)) == D(-2)  # 2 agreed, 1 drawn: hold 1
    assert (fresh(entitlement).held, fresh(entitlement).free) == (1, 2)
    assert hold(entitlement, actor, 3, cause=("variation", 2)) == 0  # the same change applied twice


def test_a_cancelled_entitlement_pays_for_nothing(actor):
    entitlement = EntitlementFactory(days=D(2), status=EntitlementStatus.CANCELLED)
    with pytest.raises(Conflict, match="was cancelled"):
        draw(entitlement, actor, 1, "0.5")
    with pytest.raises(Conflict, match="was cancelled"):
        hold(entitlement, actor, 1)


def test_the_database_refuses_a_balance_below_zero():
    from django.db import IntegrityError, transaction
    from django.db.models import F

    entitlement = EntitlementFactory(days=D(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Entitlement.objects.filter(pk=entitlement.pk).update(used=F("used") + D("1.5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Entitlement.objects.filter(pk=entitlement.pk).update(held=D("0.5"), used=D(1))


def test_days_held_for_agreed_support_cannot_be_cancelled_with_their_order_line(actor):
    line = OrderLineFactory()
    entitlement = grant_for_order_line(line)
    hold(entitlement, actor, 1)
    with pytest.raises(Conflict, match="promised to agreed support"):
        cancel_for_order_line(line, actor=actor)
    drawdown.release_hold(entitlement_id=entitlement.pk, holder=HOLDER, cause=("deployment", 7), actor=actor)
    cancel_for_order_line(line, actor=actor)
    assert Entitlement.objects.get(pk=entitlement.pk).status == EntitlementStatus.CANCELLED
