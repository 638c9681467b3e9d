"""Offers: made to leaders who fit, answered once by the leader offered, expired once; each audited and told."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from deployments import processes
from deployments.brokerage import offers
from deployments.models import Offer, OfferStatus, RequestStatus, SupportRequest
from deployments.workflow import TransitionNotAllowed
from portal.audit.models import AuditEvent
from portal.errors import DomainError, NotAllowed
from portal.tenancy.roles import Role
from tests.deployments.conftest import accepted, deliver, email_rows, held_days, make_leader
from tests.factories import make_member


def test_the_first_acceptance_wins_and_the_other_leaders_are_told(brokerage):
    b = brokerage
    first, second = accepted(b)
    with scopes_disabled():
        assert Offer.objects.get(pk=first.pk).status == OfferStatus.ACCEPTED
        assert Offer.objects.get(pk=second.pk).status == OfferStatus.WITHDRAWN
        assert SupportRequest.objects.get(pk=b.request.pk).status == RequestStatus.MATCHED
    made = email_rows("offer.made")
    assert {n.recipient_id for n in made} == {b.leader.user_id, b.other_leader.user_id}
    assert [n.recipient_id for n in email_rows("offer.accepted")] == [b.broker.user_id]
    assert [n.recipient_id for n in email_rows("offer.withdrawn")] == [b.other_leader.user_id]
    assert held_days(b.leader) == Decimal(3)
    with scope(partnership=b.partnership), pytest.raises(TransitionNotAllowed):
        processes.accept_offer(actor=b.other_leader_member, offer=Offer.objects.get(pk=second.pk))


def test_only_the_leader_offered_can_answer_and_declining_needs_a_reason(brokerage):
    b = brokerage
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader])
        with pytest.raises(NotAllowed):
            processes.accept_offer(actor=b.other_leader_member, offer=offer)
        with pytest.raises(NotAllowed):
            offers.make_offers(actor=b.head, request=b.request, leaders=[b.other_leader])
        with pytest.raises(DomainError, match="already has an open offer"):
            offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader])
        with pytest.raises(DomainError, match="Choose why"):
            offers.decline_offer(actor=b.leader_member, offer=offer, reason="bored")
        with pytest.raises(DomainError, match="Say why"):
            offers.decline_offer(actor=b.leader_member, offer=offer, reason="other", note=" ")
        offers.decline_offer(actor=b.leader_member, offer=offer, reason="no_capacity", note="Full <i>this</i> term")
    [told] = deliver("offer.declined")
    assert told.to == [b.broker.user.email] and "do not have the capacity" in told.body
    html = told.alternatives[0][0]
    assert "&lt;i&gt;this&lt;/i&gt;" in html and "<i>this</i>" not in html
    assert "/p/cambridgeshire/requests/" in told.body


def test_an_excluded_leader_needs_an_override_reason(brokerage):
    b = brokerage
    with scopes_disabled():
        b.other_leader.conflicts = "Governor at Histon and Impington Junior School"
        b.other_leader.save()
    with scope(partnership=b.partnership):
        with pytest.raises(DomainError, match="matching excluded them"):
            offers.make_offers(actor=b.broker, request=b.request, leaders=[b.other_leader])
        [offer] = offers.make_offers(actor=b.broker, request=b.request, leaders=[b.other_leader],
                                     override_reason="The governor role ended last term.")
    assert offer.override_reason == "The governor role ended last term."
    with scopes_disabled():
        assert AuditEvent.objects.get(action="offer.made").note == "The governor role ended last term."


def test_offers_expire_once_and_an_expired_offer_cannot_be_accepted(brokerage):
    b = brokerage
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=b.request, leaders=[b.leader])
        Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        with pytest.raises(TransitionNotAllowed, match="expired"):
            processes.accept_offer(actor=b.leader_member, offer=Offer.objects.get(pk=offer.pk))
    assert offers.expire_due_offers() == 1
    assert offers.expire_due_offers() == 0
    with scopes_disabled():
        assert Offer.objects.get(pk=offer.pk).status == OfferStatus.EXPIRED
        assert AuditEvent.objects.filter(action="offer.expired", actor__isnull=True).count() == 1
    assert {n.recipient_id for n in email_rows("offer.expired")} == {b.broker.user_id, b.leader.user_id}


def test_a_leader_on_another_partnership_cannot_be_offered(brokerage, other_partnership):
    b = brokerage
    with scopes_disabled():
        theirs = make_leader(other_partnership, "Zed Other", b.leader.home_school)
    with scope(partnership=b.partnership), pytest.raises(NotAllowed):
        offers.make_offers(actor=b.broker, request=b.request, leaders=[theirs])


def test_without_an_assigned_broker_every_broker_is_told(brokerage):
    b = brokerage
    extra = make_member(b.partnership, Role.BROKER)
    with scopes_disabled():
        SupportRequest.objects.filter(pk=b.request.pk).update(assigned_broker=None)
    with scope(partnership=b.partnership):
        [offer] = offers.make_offers(actor=b.broker, request=SupportRequest.objects.get(pk=b.request.pk),
                                     leaders=[b.leader])
        offers.decline_offer(actor=b.leader_member, offer=Offer.objects.get(pk=offer.pk), reason="conflict")
    assert {n.recipient_id for n in email_rows("offer.declined")} == {b.broker.user_id, extra.user_id}
    assert sorted(m.to[0] for m in deliver("offer.declined")) == sorted([b.broker.user.email, extra.user.email])
