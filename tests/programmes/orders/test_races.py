"""The last place of a limited service, sent by two heads at once on real PostgreSQL: exactly one wins."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from portal.errors import Conflict
from programmes.models import Order, OrderLine, OrderStatus, Service
from programmes.orders import services, transitions
from tests.conftest import require
from tests.factories import PartnershipSchoolFactory, SchoolFactory, make_member
from tests.tenancy.test_races import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("attempt", range(3))
def test_two_heads_sending_the_last_place_at_once_exactly_one_gets_it(partnership, headteacher, shop, attempt):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    programme = shop["programme"]
    with scopes_disabled():
        other_school = SchoolFactory(urn="110000", name="Second School")
        PartnershipSchoolFactory(partnership=partnership, school=other_school, is_member=True)
        other_head = make_member(partnership, "headteacher")
        other_head.schools.add(other_school)
        drafts = []
        for head, school in ((headteacher, shop["school"]), (other_head, other_school)):
            order = services.start_order(actor=head, school=school, catalogue=shop["catalogue"])
            services.save_draft(actor=head, order=order, quantities={programme.pk: 1}, purchase_order="",
                                payg_beyond_balance=False, today=date(2026, 7, 1))
            drafts.append((head, order))

    def sender(head, order):
        return lambda: transitions.send_order(actor=head, order=order, accepted={programme.pk},
                                              today=date(2026, 7, 1))

    results, errors = race(*(sender(head, order) for head, order in drafts))
    assert len(results) == 1 and len(errors) == 1, (results, errors)
    assert isinstance(errors[0], Conflict) and "last place" in str(errors[0])
    with scopes_disabled():
        assert Service.objects.get(pk=programme.pk).sold == 1
        statuses = sorted(Order.objects.filter(pk__in=[o.pk for _, o in drafts]).values_list("status", flat=True))
        assert statuses == [OrderStatus.DRAFT, OrderStatus.SUBMITTED]
        # The loser's draft still holds its line, ready to change.
        assert OrderLine.objects.filter(order__in=[o for _, o in drafts]).count() == 2
