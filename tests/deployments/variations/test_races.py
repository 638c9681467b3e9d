"""Changes to a deployment under contention on real PostgreSQL: two people acting at once leave one result."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from deployments import processes
from deployments.models import CapacityEntry, Deployment, Variation, VariationStatus
from deployments.variations import services
from deployments.workflow import TransitionNotAllowed
from portal.audit.models import AuditEvent
from portal.tenancy.roles import Role
from tests.conftest import require
from tests.deployments.conftest import active
from tests.deployments.variations.conftest import proposal, propose_change
from tests.factories import make_member
from tests.tenancy.test_races import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


def _fresh(model, pk):
    with scopes_disabled():
        return model.objects.select_related("deployment").get(pk=pk) if model is Variation else model.objects.get(pk=pk)


@pytest.mark.parametrize("attempt", range(3))
def test_two_approvers_deciding_at_once_leave_one_decision(postgres, brokerage, attempt):
    b = brokerage
    second = make_member(b.partnership, Role.APPROVER)
    deployment = active(b)
    variation = propose_change(b, deployment, days=Decimal(4))

    def decide(member, approve):
        return lambda: services.decide(actor=member, variation=_fresh(Variation, variation.pk), deployment=deployment,
                                       approve=approve, note="Decided")

    results, errors = race(decide(b.approver, True), decide(second, False))
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], TransitionNotAllowed)
    saved = _fresh(Variation, variation.pk)
    assert saved.status in (VariationStatus.CONFIRMING, VariationStatus.DECLINED)
    with scopes_disabled():
        decided = AuditEvent.objects.filter(action__in=["variation.approved", "variation.rejected"])
        assert decided.count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_head_and_leader_confirming_at_once_apply_the_change_once(postgres, brokerage, attempt):
    b = brokerage
    deployment = active(b)
    variation = propose_change(b, deployment, days=Decimal(5))
    with scope(partnership=b.partnership):
        services.decide(actor=b.approver, variation=variation, deployment=deployment, approve=True, note="Yes")

    def confirm(member):
        return lambda: processes.confirm_variation(actor=member, variation=_fresh(Variation, variation.pk))

    results, errors = race(confirm(b.head), confirm(b.leader_member))
    assert errors == [] and len(results) == 2
    assert _fresh(Variation, variation.pk).status == VariationStatus.APPLIED
    assert _fresh(Deployment, deployment.pk).days == 5
    with scopes_disabled():
        assert sum(CapacityEntry.objects.filter(deployment=deployment).values_list("days", flat=True)) == 5
        assert AuditEvent.objects.filter(action="deployment.varied").count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_two_brokers_proposing_at_once_leave_one_open_change(postgres, brokerage, attempt):
    b = brokerage
    second = make_member(b.partnership, Role.BROKER)
    deployment = active(b)

    def propose(member, days):
        values = proposal(deployment, days=Decimal(days))
        return lambda: processes.propose_variation(actor=member, deployment=deployment, proposed=values, reason="More")

    results, errors = race(propose(b.broker, 4), propose(second, 5))
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], TransitionNotAllowed)
    with scopes_disabled():
        assert Variation.objects.filter(deployment=deployment).count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_a_withdrawal_racing_the_last_confirmation_leaves_one_result(postgres, brokerage, attempt):
    b = brokerage
    deployment = active(b)
    variation = propose_change(b, deployment, days=Decimal(5))
    with scope(partnership=b.partnership):
        services.decide(actor=b.approver, variation=variation, deployment=deployment, approve=True, note="Yes")
        processes.confirm_variation(actor=b.head, variation=_fresh(Variation, variation.pk))

    results, errors = race(
        lambda: processes.confirm_variation(actor=b.leader_member, variation=_fresh(Variation, variation.pk)),
        lambda: services.withdraw(actor=b.broker, variation=_fresh(Variation, variation.pk), deployment=deployment,
                                  reason="Changed our mind"))
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], TransitionNotAllowed)
    saved = _fresh(Variation, variation.pk)
    days = _fresh(Deployment, deployment.pk).days
    assert (saved.status, days) in ((VariationStatus.APPLIED, 5), (VariationStatus.WITHDRAWN, 3))


def test_an_approver_deciding_after_another_changes_nothing(postgres, brokerage):
    """One after the other (as two racing approvers end up when the first finishes before the second reads the
    change): the second decision is refused, whichever way it goes, and the first stands."""
    b = brokerage
    second = make_member(b.partnership, Role.APPROVER)
    deployment = active(b)
    variation = propose_change(b, deployment, days=Decimal(4))
    with scope(partnership=b.partnership):
        services.decide(actor=b.approver, variation=_fresh(Variation, variation.pk), deployment=deployment,
                        approve=True, note="Yes")
        for approve in (False, True):
            with pytest.raises(TransitionNotAllowed, match="already been decided"):
                services.decide(actor=second, variation=_fresh(Variation, variation.pk), deployment=deployment,
                                approve=approve, note="Late")
    assert _fresh(Variation, variation.pk).status == VariationStatus.CONFIRMING
