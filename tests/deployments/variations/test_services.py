"""Changes to an agreed deployment: every transition, who may make it, and what follows when both sides agree."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from deployments import processes
from deployments.delivery import visits
from deployments.delivery.capacity import CapacityExceeded
from deployments.models import (
    CapacityEntry,
    Deployment,
    DeploymentStatus,
    Objective,
    Review,
    ReviewKind,
    ReviewStatus,
    Variation,
    VariationStatus,
)
from deployments.variations import services
from deployments.workflow import TransitionNotAllowed
from portal.audit.models import AuditEvent
from portal.calendar.schooldays import academic_year_of
from portal.calendar.services import school_calendar
from portal.errors import DomainError, NotAllowed
from portal.tenancy import services as tenancy_services
from portal.tenancy.roles import Role
from tests.deployments.conftest import active, email_rows, held_days, school_day
from tests.deployments.variations.conftest import proposal, propose_change
from tests.factories import CalendarPeriodFactory, VariationFactory


def _saved(model, pk):
    with scopes_disabled():
        return model.objects.get(pk=pk)


def _recipients(kind: str) -> set[int]:
    return {n.recipient_id for n in email_rows(kind)}


def _agree(b, variation: Variation) -> Variation:
    """The approver approves, then the head and the leader confirm."""
    with scope(partnership=b.partnership):
        services.decide(actor=b.approver, variation=variation, deployment=_saved(Deployment, variation.deployment_id),
                        approve=True, note="Fits the school's plan.")
        processes.confirm_variation(actor=b.head, variation=_saved(Variation, variation.pk))
        processes.confirm_variation(actor=b.leader_member, variation=_saved(Variation, variation.pk))
    return _saved(Variation, variation.pk)


def test_more_days_go_through_approval_and_both_sides_then_the_deployment_ledger_and_reviews_follow(brokerage):
    b = brokerage
    deployment = active(b)
    today = timezone.localdate()
    longer, earlier = deployment.end_date + timedelta(days=120), today - timedelta(days=10)
    variation = propose_change(b, deployment, days=Decimal(5), start_date=earlier, end_date=longer)
    assert variation.status == VariationStatus.PROPOSED and variation.needs_approval
    assert (variation.old_days, variation.new_days, variation.old_end_date) == (3, 5, deployment.end_date)
    assert _recipients("variation.proposed") == {b.approver.user_id}  # never the proposer
    with scope(partnership=b.partnership):
        assert not services.can_decide(b.broker, variation)
        services.decide(actor=b.approver, variation=variation, deployment=deployment, approve=True, note="Yes.")
        assert _saved(Variation, variation.pk).status == VariationStatus.CONFIRMING
        assert _recipients("variation.changed") == {b.head.user_id, b.leader_member.user_id}
        with pytest.raises(NotAllowed):
            processes.confirm_variation(actor=b.other_leader_member, variation=_saved(Variation, variation.pk))
        processes.confirm_variation(actor=b.head, variation=_saved(Variation, variation.pk))
        with pytest.raises(TransitionNotAllowed, match="already confirmed"):
            processes.confirm_variation(actor=b.head, variation=_saved(Variation, variation.pk))
        assert _saved(Deployment, deployment.pk).days == 3  # nothing changes until both sides confirm
        processes.confirm_variation(actor=b.leader_member, variation=_saved(Variation, variation.pk))
    saved = _saved(Deployment, deployment.pk)
    assert _saved(Variation, variation.pk).status == VariationStatus.APPLIED
    assert (saved.days, saved.start_date, saved.end_date, saved.status) == (5, earlier, longer, DeploymentStatus.ACTIVE)
    assert held_days(b.leader) == 5
    with scopes_disabled():
        calendar = school_calendar(partnership=b.partnership)
        terms = {t.key for t in calendar.terms_between(saved.start_date, longer)}
        assert set(Review.objects.filter(deployment=deployment, kind=ReviewKind.TERMLY)
                   .values_list("term_key", flat=True)) == terms
        assert set(CapacityEntry.objects.filter(deployment=deployment).values_list("term_key", flat=True)) <= terms
        varied = AuditEvent.objects.get(action="deployment.varied", object_id=str(deployment.pk))
    assert varied.old["changes"][0] == ["Days", "3 days"] and varied.new["changes"][0] == ["Days", "5 days"]
    assert ["End date", f"{deployment.end_date:%-d %B %Y}"] in varied.old["changes"]
    assert len(_recipients("variation.changed")) >= 3  # the applied change reached the broker too
    # The leader can now log the extra days (and from the earlier start), but no more.
    with scope(partnership=b.partnership):
        for back in range(5):
            visits.log_visit(actor=b.leader_member, deployment=saved, visit_date=school_day(back),
                             days=Decimal(1), focus="Maths")
        with pytest.raises(DomainError, match="5 of the 5 agreed days") as refused:
            visits.log_visit(actor=b.leader_member, deployment=saved, visit_date=school_day(5),
                             days=Decimal(1), focus="Maths")
    assert refused.value.href == f"/p/{b.partnership.slug}/deployments/{deployment.pk}/#changes"


def test_a_shorter_deployment_drops_the_unwritten_reviews_of_terms_it_no_longer_reaches(brokerage):
    b = brokerage
    deployment = active(b)
    with scopes_disabled():
        before = set(Review.objects.filter(deployment=deployment).values_list("term_key", flat=True))
    shorter = deployment.start_date
    _agree(b, propose_change(b, deployment, end_date=shorter))
    with scopes_disabled():
        calendar = school_calendar(partnership=b.partnership)
        after = set(Review.objects.filter(deployment=deployment).values_list("term_key", flat=True))
    assert after == {calendar.term_for(shorter).key}
    assert len(before) >= len(after)
    assert held_days(b.leader) == 3


def test_objectives_and_rate_change_in_place_and_an_objective_can_be_added(brokerage):
    b = brokerage
    deployment = active(b)
    values = proposal(deployment)
    edited = [{**values.objectives[0], "description": "Lift KS2 maths and reasoning"},
              {"id": None, "area_id": b.spec["Science"].pk, "area": "Science", "description": "Science practicals",
               "success_criteria": "Pupils plan their own"}]
    variation = propose_change(b, deployment, objectives=edited, rate_kind="non_member", day_rate=Decimal("412.50"))
    kept = values.objectives[0]["id"]
    assert [row[0] for row in variation.changes()] == ["Rate", "Objective 1", "Objective 2"]
    _agree(b, variation)
    with scopes_disabled():
        rows = list(Objective.objects.filter(deployment=deployment).values_list("pk", "description", "area__name"))
    assert rows == [(kept, "Lift KS2 maths and reasoning", "Mathematics"),
                    (rows[1][0], "Science practicals", "Science")]
    saved = _saved(Deployment, deployment.pk)
    assert (saved.rate_kind, saved.day_rate) == ("non_member", Decimal("412.50"))


@pytest.mark.parametrize(("overrides", "message", "field"), [
    ({}, "Nothing has changed", None),
    ({"days": Decimal("0.5")}, "1 day is already logged", "days"),
    ({"end_date": "before start"}, "on or after the start date", "end_date"),
    ({"end_date": "two years on"}, "outside the partnership's term dates", "end_date"),
    ({"start_date": "after the visit"}, "start date cannot be after it", "start_date"),
    ({"days": Decimal("2.3")}, "whole or half days", "days"),
])
def test_a_change_that_changes_nothing_or_breaks_the_agreement_is_refused(brokerage, overrides, message, field):
    b = brokerage
    deployment = active(b)
    today = timezone.localdate()
    CalendarPeriodFactory(partnership=b.partnership, academic_year=academic_year_of(today), term="autumn",
                          start=deployment.start_date - timedelta(days=30), end=deployment.start_date + timedelta(days=5))
    with scope(partnership=b.partnership):
        visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=school_day(0), days=Decimal(1), focus="Maths")
    dates = {"before start": deployment.start_date - timedelta(days=1), "two years on": today + timedelta(days=800),
             "after the visit": today + timedelta(days=1)}
    values = {key: dates.get(value, value) for key, value in overrides.items()}
    with pytest.raises(DomainError, match=message) as refused:
        propose_change(b, deployment, **values)
    assert refused.value.field == field
    with scopes_disabled():
        assert not Variation.objects.exists()


def test_a_change_beyond_the_leaders_capacity_is_refused_before_anyone_is_asked(brokerage):
    b = brokerage
    deployment = active(b)
    with pytest.raises(CapacityExceeded, match="Change the days or dates so they fit"):
        propose_change(b, deployment, days=Decimal(60), end_date=deployment.start_date + timedelta(days=2))
    assert not email_rows("variation.proposed")


def test_who_may_propose_decide_confirm_decline_and_withdraw(brokerage, admin):
    b = brokerage
    deployment = active(b)
    for member in (b.head, b.leader_member, b.approver):
        with pytest.raises(NotAllowed):
            propose_change(b, deployment, actor=member, days=Decimal(4))
    variation = propose_change(b, deployment, days=Decimal(4))
    with scope(partnership=b.partnership):
        with pytest.raises(TransitionNotAllowed, match="already waiting"):
            propose_change(b, deployment, days=Decimal(5))
        with pytest.raises(NotAllowed):
            services.decide(actor=b.broker, variation=variation, deployment=deployment, approve=True, note="Mine")
        # Four-eyes: the proposer, made an approver, still cannot decide on their own change.
        turned = tenancy_services.change_role(actor=admin, membership=b.broker, role=Role.APPROVER)
        assert not services.can_decide(turned, variation)
        with pytest.raises(NotAllowed, match="four-eyes"):
            services.decide(actor=turned, variation=variation, deployment=deployment, approve=True, note="Mine")
        with pytest.raises(TransitionNotAllowed):  # not yet waiting for the sides
            processes.confirm_variation(actor=b.head, variation=variation)
        with pytest.raises(NotAllowed):
            services.withdraw(actor=b.head, variation=variation, deployment=deployment, reason="No")
        with pytest.raises(DomainError, match="rationale"):
            services.decide(actor=b.approver, variation=variation, deployment=deployment, approve=True, note=" ")


def test_four_eyes_off_lets_the_proposer_approve(brokerage, admin):
    b = brokerage
    deployment = active(b)
    b.partnership.four_eyes_approval = False
    b.partnership.save()
    variation = propose_change(b, deployment, days=Decimal(4))
    with scope(partnership=b.partnership):
        turned = tenancy_services.change_role(actor=admin, membership=b.broker, role=Role.APPROVER)
        services.decide(actor=turned, variation=variation, deployment=deployment, approve=True, note="Fine")
    assert _saved(Variation, variation.pk).status == VariationStatus.CONFIRMING


def test_a_partnership_without_approval_asks_both_sides_straight_away(brokerage):
    b = brokerage
    b.partnership.variation_approval = False
    b.partnership.save()
    deployment = active(b)
    variation = propose_change(b, deployment, days=Decimal(4))
    assert variation.status == VariationStatus.CONFIRMING and not variation.needs_approval
    assert not email_rows("variation.proposed")
    assert _recipients("variation.changed") == {b.head.user_id, b.leader_member.user_id}
    with scope(partnership=b.partnership):
        processes.confirm_variation(actor=b.leader_member, variation=variation)
        processes.confirm_variation(actor=b.head, variation=_saved(Variation, variation.pk))
    assert _saved(Deployment, deployment.pk).days == 4


def test_declined_rejected_and_withdrawn_changes_leave_the_deployment_as_it_was(brokerage):
    b = brokerage
    deployment = active(b)
    rejected = propose_change(b, deployment, days=Decimal(4))
    with scope(partnership=b.partnership):
        services.decide(actor=b.approver, variation=rejected, deployment=deployment, approve=False, note="Too costly")
    assert b.broker.user_id in _recipients("variation.changed")
    declined = propose_change(b, deployment, days=Decimal(4))
    with scope(partnership=b.partnership):
        services.decide(actor=b.approver, variation=declined, deployment=deployment, approve=True, note="Yes")
        with pytest.raises(DomainError, match="Say why"):
            services.decline(actor=b.head, variation=declined, deployment=deployment, reason="")
        services.decline(actor=b.head, variation=declined, deployment=deployment, reason="Our budget is spent")
    withdrawn = propose_change(b, deployment, days=Decimal(4))
    with scope(partnership=b.partnership):
        services.withdraw(actor=b.broker, variation=withdrawn, deployment=deployment, reason="Proposed in error")
        with pytest.raises(TransitionNotAllowed):
            services.withdraw(actor=b.broker, variation=withdrawn, deployment=deployment, reason="Again")
    statuses = [_saved(Variation, v.pk).status for v in (rejected, declined, withdrawn)]
    assert statuses == [VariationStatus.DECLINED, VariationStatus.DECLINED, VariationStatus.WITHDRAWN]
    assert _saved(Variation, declined.pk).close_note == "Our budget is spent"
    assert _saved(Deployment, deployment.pk).days == 3 and held_days(b.leader) == 3
    with scopes_disabled():
        actions = set(AuditEvent.objects.filter(action__startswith="variation.").values_list("action", flat=True))
    assert {"variation.proposed", "variation.rejected", "variation.approved", "variation.declined",
            "variation.withdrawn"} <= actions


def test_stopping_the_deployment_withdraws_its_open_change(brokerage):
    b = brokerage
    deployment = active(b)
    variation = propose_change(b, deployment, days=Decimal(4))
    with scope(partnership=b.partnership):
        processes.stop_deployment(actor=b.broker, deployment=deployment, reason="The head left")
        with pytest.raises(TransitionNotAllowed):
            propose_change(b, _saved(Deployment, deployment.pk), days=Decimal(5))
    assert _saved(Variation, variation.pk).status == VariationStatus.WITHDRAWN


def test_a_change_cannot_be_proposed_before_the_agreement_is_confirmed(brokerage):
    b = brokerage
    deployment = active(b)
    with scopes_disabled():
        Deployment.objects.filter(pk=deployment.pk).update(status=DeploymentStatus.APPROVED)
    with pytest.raises(TransitionNotAllowed, match="cannot change"):
        propose_change(b, _saved(Deployment, deployment.pk), days=Decimal(4))


def test_the_database_keeps_one_open_change_per_deployment(brokerage):
    b = brokerage
    deployment = active(b)
    with scopes_disabled():
        VariationFactory(deployment=deployment, proposed_by=b.broker.user)
        VariationFactory(deployment=deployment, proposed_by=b.broker.user, status=VariationStatus.APPLIED)
        with pytest.raises(IntegrityError), transaction.atomic():
            VariationFactory(deployment=deployment, proposed_by=b.broker.user, status=VariationStatus.CONFIRMING)


def test_visits_logged_since_the_proposal_stop_a_change_below_them_taking_effect(brokerage):
    b = brokerage
    deployment = active(b)
    variation = propose_change(b, deployment, days=Decimal("0.5"), reason="Only half a day is needed")
    with scope(partnership=b.partnership):
        visits.log_visit(actor=b.leader_member, deployment=deployment, visit_date=school_day(0), days=Decimal(1), focus="Maths")
        services.decide(actor=b.approver, variation=variation, deployment=deployment, approve=True, note="Yes")
        processes.confirm_variation(actor=b.head, variation=_saved(Variation, variation.pk))
        with pytest.raises(DomainError, match="More days have been logged"):
            processes.confirm_variation(actor=b.leader_member, variation=_saved(Variation, variation.pk))
    assert _saved(Deployment, deployment.pk).days == 3
    assert _saved(Variation, variation.pk).leader_confirmed_at is None  # the whole confirmation rolled back


def test_a_visit_after_the_agreed_end_links_to_the_changes(brokerage):
    b = brokerage
    deployment = active(b)
    with scopes_disabled():
        Deployment.objects.filter(pk=deployment.pk).update(start_date=deployment.start_date - timedelta(days=20),
                                                           end_date=deployment.start_date - timedelta(days=10))
    with scope(partnership=b.partnership), pytest.raises(DomainError, match="deployment ends on") as refused:
        visits.log_visit(actor=b.leader_member, deployment=_saved(Deployment, deployment.pk),
                         visit_date=timezone.localdate(), days=Decimal(1), focus="Maths")
    assert refused.value.href.endswith(f"/deployments/{deployment.pk}/#changes")


def test_reviews_already_written_stay_when_the_dates_move_away_from_their_term(brokerage):
    b = brokerage
    deployment = active(b)
    with scopes_disabled():
        reviews = list(Review.objects.filter(deployment=deployment).order_by("due_on"))
        Review.objects.filter(pk=reviews[-1].pk).update(status=ReviewStatus.SUBMITTED)
    _agree(b, propose_change(b, deployment, end_date=deployment.start_date))
    with scopes_disabled():
        assert Review.objects.filter(pk=reviews[-1].pk).exists()
