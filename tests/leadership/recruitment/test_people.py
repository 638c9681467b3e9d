"""Consent withdrawn by the home school's head, the talent pool and its invitations, and the induction checklist."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from alliances.models import SystemLeader
from deployments.brokerage.matching import rank_candidates
from leadership.models import ConsentWithdrawal, RoundInvitation
from leadership.recruitment import applications, consent, induction, selectors, talent
from portal.errors import Conflict, DomainError, NotAllowed
from portal.tenancy import services as tenancy
from portal.tenancy.models import Invitation
from portal.tenancy.roles import Role
from programmes.models import ServiceKind
from tests.factories import (
    CatalogueFactory,
    OrderLineFactory,
    SchoolFactory,
    ServiceFactory,
    SystemLeaderFactory,
    UserFactory,
    make_invitation,
    make_member,
)
from tests.factories.leadership import make_induction_item, make_nomination
from tests.leadership.recruitment.conftest import sent_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(partnership, school):
    return SystemLeaderFactory(partnership=partnership, home_school=school, name="Lee Leader",
                               release_consent_by="Irene Head")


def test_the_home_schools_head_withdraws_consent_and_matching_leaves_the_leader_out(
        leader, headteacher, broker, approver, partnership):
    school = SchoolFactory(urn="110746", name="Bewick Bridge Community Primary School")
    ranked, _ = rank_candidates(partnership=partnership, school=school, need_ids=[], need_groups=set(),
                                days_wanted=Decimal(2))
    assert leader.pk in [c.leader.pk for c in ranked]
    consent.withdraw_consent(actor=headteacher, leader=leader, reason="We need her in school this year.")
    leader.refresh_from_db()
    assert not leader.has_release_consent
    withdrawal = ConsentWithdrawal.objects.get(leader=leader)
    assert (withdrawal.withdrawn_by, withdrawal.consent_was_by) == (headteacher.user, "Irene Head")
    assert sent_to("consent.withdrawn") == {broker.user.email, approver.user.email}
    ranked, excluded = rank_candidates(partnership=partnership, school=school, need_ids=[], need_groups=set(),
                                       days_wanted=Decimal(2))
    assert leader.pk not in [c.leader.pk for c in ranked]
    why = next(c for c in excluded if c.leader.pk == leader.pk).why_not
    assert "no release consent from their home school's head" in why
    with pytest.raises(Conflict):
        consent.withdraw_consent(actor=headteacher, leader=leader, reason="Again")


def test_the_head_gives_consent_again_and_matching_includes_the_leader(leader, headteacher, broker, partnership):
    consent.withdraw_consent(actor=headteacher, leader=leader, reason="A term in school")
    today = timezone.localdate()
    consent.give_consent(actor=headteacher, leader=leader, today=today)
    leader.refresh_from_db()
    assert leader.has_release_consent and leader.release_consent_on == today
    assert leader.release_consent_by == headteacher.user.get_full_name()
    assert sent_to("consent.given") == {broker.user.email}
    with pytest.raises(Conflict):
        consent.give_consent(actor=headteacher, leader=leader, today=today)
    with pytest.raises(NotAllowed):
        consent.give_consent(actor=broker, leader=leader, today=today)


def test_only_a_head_of_the_leaders_home_school_withdraws_consent(leader, broker, partnership):
    other_head = make_member(partnership, Role.HEADTEACHER)
    other_head.schools.add(SchoolFactory(urn="110746"))
    for actor in (other_head, broker):
        with pytest.raises(NotAllowed):
            consent.withdraw_consent(actor=actor, leader=leader, reason="x")
    assert SystemLeader.objects.get(pk=leader.pk).has_release_consent


def test_a_head_nominates_from_their_own_school_and_the_pool_filters_by_specialism_and_phase(
        headteacher, broker, school, maths, partnership):
    found = talent.nominate(actor=headteacher, name="Riley Rising", email="Riley@School.example.org",
                            role_title="Head of maths", school=school, specialisms=[maths], phases=["phase_primary"],
                            why="Leads maths across the school.")
    make_nomination(partnership, school, name="Pat Secondary", phase_primary=False, phase_secondary=True)
    with pytest.raises(NotAllowed):
        talent.nominate(actor=headteacher, name="X", email="x@example.org", role_title="Y",
                        school=SchoolFactory(urn="110746"), specialisms=[], phases=["phase_primary"], why="Z")
    assert found.email == "riley@school.example.org"
    assert [n.name for n in selectors.nominations(membership=broker, specialism=maths.pk)] == ["Riley Rising"]
    assert [n.name for n in selectors.nominations(membership=broker, phase="phase_secondary")] == ["Pat Secondary"]


def test_inviting_a_nominee_sends_a_candidate_invitation_and_they_can_apply_to_that_round_only(
        sle_round, broker, headteacher, school, partnership):
    nomination = make_nomination(partnership, school, nominated_by=headteacher.user)
    talent.invite_to_round(actor=broker, round_=sle_round, name=nomination.name, email=nomination.email,
                           school=school, nomination=nomination)
    invitation = Invitation.objects.get(email=nomination.email)
    assert invitation.role == Role.CANDIDATE
    assert sent_to("invitation.sent") == {nomination.email}
    with pytest.raises(DomainError, match="already been invited"):
        talent.invite_to_round(actor=broker, round_=sle_round, name=nomination.name, email=nomination.email,
                               school=school)
    user = UserFactory(email=nomination.email)
    make_invitation(partnership, email=nomination.email, role=Role.CANDIDATE, token="c" * 43)
    membership = tenancy.accept_invitation(token="c" * 43, user=user)
    application = applications.start_application(actor=membership, round_=sle_round, today=timezone.localdate())
    assert application.school_id == school.pk and RoundInvitation.objects.get().nomination == nomination


def test_an_existing_member_invited_to_a_round_is_told_without_a_new_invitation(sle_round, broker, headteacher):
    talent.invite_to_round(actor=broker, round_=sle_round, name="Hana Head", email=headteacher.user.email, school=None)
    assert not Invitation.objects.filter(email=headteacher.user.email).exists()
    assert sent_to("recruitment.invited") == {headteacher.user.email}


def test_an_induction_step_with_a_programme_place_is_done_when_the_home_school_has_a_confirmed_place(
        leader, broker, approver, partnership, school):
    catalogue = CatalogueFactory(partnership=partnership)
    place = ServiceFactory(partnership=partnership, catalogue=catalogue, kind=ServiceKind.PROGRAMME_PLACE,
                           name="System leader induction")
    with pytest.raises(DomainError):
        induction.add_item(actor=broker, title="Package", description="",
                           service=ServiceFactory(partnership=partnership, catalogue=catalogue))
    by_place = induction.add_item(actor=broker, title="Induction programme", description="", service=place)
    ticked = make_induction_item(partnership, title="Meet your QA lead")
    assert [step.done for step in induction.checklist(leader)] == [False, False]
    OrderLineFactory(partnership=partnership, order__school=school, order__catalogue=catalogue,
                      order__status="submitted", service=place)
    assert [step.done for step in induction.checklist(leader)] == [False, False]  # not confirmed yet
    OrderLineFactory(partnership=partnership, order__school=school, order__catalogue=catalogue, service=place)
    induction.tick_item(actor=broker, leader=leader, item=ticked, done=True)
    steps = induction.checklist(leader)
    assert [(s.item, s.by_order, s.done) for s in steps] == [(by_place, True, True), (ticked, False, True)]
    with pytest.raises(Conflict):
        induction.tick_item(actor=broker, leader=leader, item=ticked, done=True)
    with pytest.raises(NotAllowed):
        induction.tick_item(actor=approver, leader=leader, item=ticked, done=False)
