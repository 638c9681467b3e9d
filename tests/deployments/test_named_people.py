"""The deployment and request pages read the people they name by subquery, not by join: the same people."""

from __future__ import annotations

import pytest
from django_scopes import scope

from deployments.delivery import watchlist
from deployments.delivery.selectors import AGREEMENT_PEOPLE, deployment_page
from deployments.requests.selectors import request_in_view, request_page
from deployments.visibility import deployments_for
from tests.deployments.conftest import deployment_for

pytestmark = pytest.mark.django_db


def _person(user):
    return None if user is None else (user.pk, user.get_full_name(), user.email, user.is_active)


@pytest.mark.parametrize("approve", [True, False])
def test_the_page_row_has_the_people_the_joined_row_had(brokerage, approve):
    b = brokerage
    deployment = deployment_for(b, b.request, approve=approve)
    with scope(partnership=b.partnership):
        watchlist.set_watch(actor=b.broker, deployment=deployment, watch=True)
        joined = deployments_for(membership=b.broker).get(pk=deployment.pk)
        paged = deployment_page(membership=b.broker, pk=deployment.pk, people=AGREEMENT_PEOPLE, watching=True)
        # Each person: the same user, name and email; anything else loads on use (is_active here), never a default.
        for field in AGREEMENT_PEOPLE:
            assert _person(getattr(paged, field)) == _person(getattr(joined, field)), field
        assert paged.watching is True
        assert (paged.school, paged.leader, paged.request) == (joined.school, joined.leader, joined.request)
        assert deployment_page(membership=b.broker, pk=deployment.pk + 1000) is None
    assert (joined.decided_by is not None, joined.head_confirmed_by is not None) == (approve, approve)


def test_a_named_person_has_only_name_and_email_loaded(brokerage):
    b = brokerage
    deployment = deployment_for(b, b.request)
    with scope(partnership=b.partnership):
        paged = deployment_page(membership=b.head, pk=deployment.pk)
        person = paged.decided_by
        deferred = person.get_deferred_fields()
        assert "name" not in deferred and "email" not in deferred and "password" in deferred
        assert person.get_full_name() == b.approver.user.get_full_name()


def test_the_request_page_row_has_the_broker_the_joined_row_had(brokerage):
    b = brokerage
    with scope(partnership=b.partnership):
        joined = request_in_view(membership=b.broker, pk=b.request.pk)
        paged = request_page(membership=b.broker, pk=b.request.pk)
        assert _person(paged.assigned_broker) == _person(joined.assigned_broker)
        assert (paged.progress, paged.school, paged.entitlement) == (joined.progress, joined.school, joined.entitlement)
        assert request_page(membership=b.broker, pk=b.request.pk + 1000) is None
