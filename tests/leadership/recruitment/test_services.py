"""Recruitment's services: a round, an application from draft to designation, four-eyes, and who is told."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from alliances.models import LeaderSpecialism, SystemLeader
from leadership.models import Application, ApplicationStatus, Criterion, PanelMember, RoundStatus
from leadership.recruitment import applications, panel, rounds
from leadership.recruitment.designation import years_after
from portal.audit.models import AuditEvent
from portal.errors import DomainError, NotAllowed
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role
from tests.factories import SchoolFactory
from tests.leadership.recruitment.conftest import score_all, sent_to

pytestmark = pytest.mark.django_db


def test_a_broker_writes_a_round_names_its_panel_and_publishes_it(partnership, broker, approver, maths):
    today = timezone.localdate()
    round_ = rounds.save_round(actor=broker, designation="SLE", title="SLE recruitment", description="",
                               opens_on=today, closes_on=today, criteria=[("Impact", "Outcomes"), ("Coaching", "")],
                               specialisms=[maths], phases=["phase_primary"])
    assert [(c.title, c.guidance) for c in Criterion.objects.filter(round=round_)] == [("Impact", "Outcomes"),
                                                                                        ("Coaching", "")]
    with pytest.raises(DomainError, match="Choose the panel first"):
        rounds.publish_round(actor=broker, round_=round_)
    with pytest.raises(DomainError, match="at least two members"):
        rounds.set_panel(actor=broker, round_=round_, members=[broker])
    rounds.set_panel(actor=broker, round_=round_, members=[broker, approver])
    rounds.publish_round(actor=broker, round_=round_)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PUBLISHED and round_.published_at
    assert AuditEvent.objects.filter(action="recruitment round.published").count() == 1
    with pytest.raises(DomainError, match="published"):
        rounds.save_round(actor=broker, round_=round_, designation="SLE", title="Changed", description="",
                          opens_on=today, closes_on=today, criteria=[("Impact", "")], specialisms=[], phases=[])


def test_a_round_uses_the_partnerships_own_designations(partnership, broker):
    today = timezone.localdate()
    with pytest.raises(DomainError, match="designations"):
        rounds.save_round(actor=broker, designation="XYZ", title="T", description="", opens_on=today,
                          closes_on=today, criteria=[("Impact", "")], specialisms=[], phases=[])


def test_only_the_steering_group_sits_on_a_panel_and_approvers_cannot_manage_rounds(sle_round, broker, approver,
                                                                                      headteacher):
    with pytest.raises(DomainError, match="brokers and approvers"):
        rounds.set_panel(actor=broker, round_=sle_round, members=[broker, headteacher])
    with pytest.raises(NotAllowed):
        rounds.set_panel(actor=approver, round_=sle_round, members=[broker, approver])


def test_a_candidate_applies_only_to_a_round_they_were_invited_to(candidate, sle_round):
    with pytest.raises(NotAllowed, match="invited"):
        applications.start_application(actor=candidate, round_=sle_round, today=timezone.localdate())


def test_a_panel_member_cannot_apply_to_their_own_round(sle_round, broker):
    assert applications.may_apply(broker, sle_round, today=timezone.localdate())


def test_a_draft_is_sent_only_when_complete_and_the_candidates_head_is_asked_to_endorse(
        invited, candidate, sle_round, school, maths, headteacher):
    application = applications.start_application(actor=candidate, round_=sle_round, today=timezone.localdate())
    assert application.school_id == school.pk  # from the invitation
    with pytest.raises(DomainError, match="current role"):
        applications.submit_application(actor=candidate, application=application, today=timezone.localdate())
    applications.save_answers(actor=candidate, application=application, role_title="Deputy head", school=school,
                              specialisms=[maths], phases=["phase_primary"], evidence={})
    with pytest.raises(DomainError, match="evidence") as error:
        applications.submit_application(actor=candidate, application=application, today=timezone.localdate())
    assert error.value.field.startswith("evidence_")
    criteria = list(sle_round.criteria.all())
    applications.save_answers(actor=candidate, application=application, role_title="Deputy head", school=school,
                              specialisms=[maths], phases=["phase_primary"], evidence={c.pk: "Evidence" for c in criteria})
    applications.submit_application(actor=candidate, application=application, today=timezone.localdate())
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert sent_to("application.submitted") == {headteacher.user.email}
    with pytest.raises(DomainError):
        applications.save_answers(actor=candidate, application=application, role_title="Changed", school=school,
                                  specialisms=[], phases=[], evidence={})


def test_only_the_candidates_own_head_endorses_and_endorsing_needs_release_consent(sent, headteacher, partnership,
                                                                                     broker, approver):
    other_head = Membership.objects.create(partnership=partnership, user=approver.user.__class__.objects.create_user(
        email="other-head@example.org", password="x", name="Other Head"), role=Role.HEADTEACHER)
    other_head.schools.add(SchoolFactory(urn="110746"))
    with pytest.raises(NotAllowed):
        applications.endorse_application(actor=other_head, application=sent, endorse=True, statement="Yes",
                                         release_consent=True)
    with pytest.raises(DomainError, match="release"):
        applications.endorse_application(actor=headteacher, application=sent, endorse=True, statement="Yes",
                                         release_consent=False)
    applications.endorse_application(actor=headteacher, application=sent, endorse=True, statement="Yes",
                                     release_consent=True)
    sent.refresh_from_db()
    assert (sent.status, sent.endorsed_by, sent.release_consent) == (ApplicationStatus.ENDORSED, headteacher.user, True)
    assert sent_to("application.endorsed") == {broker.user.email, approver.user.email}


def test_a_head_who_does_not_endorse_tells_the_candidate(sent, headteacher, candidate):
    applications.endorse_application(actor=headteacher, application=sent, endorse=False, statement="Not yet ready.",
                                     release_consent=False)
    sent.refresh_from_db()
    assert sent.status == ApplicationStatus.NOT_ENDORSED and not sent.release_consent
    assert sent_to("application.endorsed") == {candidate.user.email}


def test_scores_are_hidden_from_the_panel_until_every_member_has_scored(endorsed, broker, approver, candidate):
    score_all(broker, endorsed, 2)
    state = panel.progress(endorsed, broker.user)
    assert (state.scored, state.panel, state.complete, state.mine) == (1, 2, False, True)
    assert not panel.can_see_all_scores(broker, endorsed, state)
    assert not panel.can_decide(broker, endorsed, state)
    score_all(approver, endorsed, 4)
    state = panel.progress(endorsed, broker.user)
    assert state.complete and panel.can_see_all_scores(broker, endorsed, state)
    assert not panel.can_see_all_scores(candidate, endorsed, panel.progress(endorsed, candidate.user))
    with pytest.raises(NotAllowed):  # all in: the scores are the panel's now
        score_all(broker, endorsed, 1)


def test_a_panel_member_scores_every_criterion_on_the_scale(endorsed, broker):
    criteria = list(endorsed.round.criteria.all())
    with pytest.raises(DomainError, match="every criterion"):
        panel.save_scores(actor=broker, application=endorsed, scores={criteria[0].pk: (3, "")})
    with pytest.raises(DomainError):
        panel.save_scores(actor=broker, application=endorsed, scores={c.pk: (5, "") for c in criteria})


def test_four_eyes_the_proposer_cannot_confirm_and_a_second_member_designates(
        scored, broker, approver, candidate, partnership, school, maths):
    today = date(2027, 2, 28)
    panel.decide(actor=broker, application=scored, outcome="designate", rationale="Strong on every criterion.",
                 feedback="Congratulations.", today=today)
    scored.refresh_from_db()
    assert scored.status == ApplicationStatus.PROPOSED
    assert sent_to("application.proposed") == {approver.user.email}
    assert not sent_to("application.decided")  # nothing to the candidate until it is confirmed
    with pytest.raises(NotAllowed, match="different panel member"):
        panel.confirm_decision(actor=broker, application=scored, today=today)
    panel.confirm_decision(actor=approver, application=scored, today=today)
    scored.refresh_from_db()
    assert (scored.status, scored.decided_by) == (ApplicationStatus.DESIGNATED, approver.user)
    leader = SystemLeader.objects.get(partnership=partnership, user=candidate.user)
    assert (leader.designation, leader.designated_on, leader.review_due) == ("SLE", today, date(2031, 2, 28))
    assert leader.home_school_id == school.pk and leader.phase_primary
    assert leader.has_release_consent and leader.release_consent_on == scored.endorsed_at.date()
    assert list(LeaderSpecialism.objects.filter(leader=leader).values_list("specialism", flat=True)) == [maths.pk]
    assert scored.leader == leader
    assert sent_to("application.decided") == {candidate.user.email}
    candidate.refresh_from_db()
    assert candidate.role == Role.SYSTEM_LEADER
    assert AuditEvent.objects.filter(action="system_leader.designation_changed", object_id=str(leader.pk)).exists()


def test_the_review_falls_due_after_the_partnerships_period(scored, broker, partnership):
    partnership.panel_four_eyes = False
    partnership.designation_review_years = 3
    partnership.save()
    broker.partnership.refresh_from_db()
    panel.decide(actor=broker, application=scored, outcome="designate", rationale="Yes", feedback="Well done",
                 today=date(2028, 2, 29))
    assert SystemLeader.objects.get(user=scored.candidate).review_due == date(2031, 2, 28)
    assert years_after(date(2026, 9, 1), 4) == date(2030, 9, 1)


def test_not_this_time_creates_no_leader_and_a_sent_back_proposal_is_decided_again(scored, broker, approver):
    panel.decide(actor=broker, application=scored, outcome="not_this_time", rationale="Not enough evidence",
                 feedback="Apply again next year", today=timezone.localdate())
    panel.send_back(actor=approver, application=scored, reason="I read the evidence differently.")
    scored.refresh_from_db()
    assert scored.status == ApplicationStatus.ENDORSED and scored.proposed_by is None
    panel.decide(actor=approver, application=scored, outcome="not_this_time", rationale="Agreed: not enough",
                 feedback="Apply again next year", today=timezone.localdate())
    panel.confirm_decision(actor=broker, application=scored, today=timezone.localdate())
    scored.refresh_from_db()
    assert scored.status == ApplicationStatus.NOT_DESIGNATED
    assert not SystemLeader.objects.filter(user=scored.candidate).exists()


def test_a_decision_needs_a_rationale_and_feedback(scored, broker):
    with pytest.raises(DomainError, match="rationale"):
        panel.decide(actor=broker, application=scored, outcome="designate", rationale=" ", feedback="x",
                     today=timezone.localdate())
    assert Application.objects.get(pk=scored.pk).status == ApplicationStatus.ENDORSED


def test_a_member_taken_off_the_panel_after_scoring_is_refused(endorsed, broker, approver, partnership):
    score_all(broker, endorsed)
    with pytest.raises(DomainError, match="scored"):
        rounds.set_panel(actor=broker, round_=endorsed.round, members=[approver, approver])
    assert PanelMember.objects.filter(round=endorsed.round).count() == 2
