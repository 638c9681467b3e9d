"""Writing and agreeing reviews: the leader writes, the head agrees or returns it, then it is final."""

from __future__ import annotations

import pytest
from django_scopes import scope, scopes_disabled

from deployments import processes
from deployments.models import Review, ReviewKind, ReviewStatus
from deployments.reviews import services as reviews
from deployments.workflow import TransitionNotAllowed
from portal.audit.models import AuditEvent
from portal.errors import DomainError, NotAllowed
from tests.deployments.conftest import active
from tests.deployments.reviews.conftest import objective_ids, reminder_rows, write_as_leader


def test_the_leader_writes_and_the_head_agrees_then_it_is_final(brokerage):
    b = brokerage
    deployment = active(b)
    with scopes_disabled():
        review = Review.objects.filter(deployment=deployment).first()
    with scope(partnership=b.partnership):
        with pytest.raises(NotAllowed):
            reviews.write_review(actor=b.other_leader_member, review=review, progress={}, overall_progress="",
                                 impact_score=None, outcomes=[], next_steps="", submit=False)
    write_as_leader(b, review, submit=False, impact_score=None, next_steps="")  # a draft may be incomplete
    with pytest.raises(DomainError, match="Complete every objective"):
        write_as_leader(b, review, impact_score=None)
    with pytest.raises(DomainError, match="from the checklist"):
        write_as_leader(b, review, outcomes=["made_up"])
    write_as_leader(b, review)
    with scope(partnership=b.partnership):
        review = Review.objects.get(pk=review.pk)
        assert review.status == ReviewStatus.SUBMITTED
        with pytest.raises(TransitionNotAllowed):
            write_as_leader(b, review)
        with pytest.raises(DomainError, match="Say what should change"):
            reviews.answer_review(actor=b.head, review=review, agree=False)
        reviews.answer_review(actor=b.head, review=review, agree=False, comments="Add the Year 5 evidence.")
        review = Review.objects.get(pk=review.pk)
        assert review.status == ReviewStatus.DUE and review.head_comments == "Add the Year 5 evidence."
    write_as_leader(b, review)
    with scope(partnership=b.partnership):
        review = Review.objects.get(pk=review.pk)
        with pytest.raises(NotAllowed):
            reviews.answer_review(actor=b.broker, review=review, agree=True)
        reviews.answer_review(actor=b.head, review=review, agree=True, comments="Agreed.")
        review = Review.objects.get(pk=review.pk)
        assert review.status == ReviewStatus.AGREED and review.agreed_by == b.head.user
        with pytest.raises(TransitionNotAllowed):
            write_as_leader(b, review)
        actions = list(AuditEvent.objects.filter(object_type__model="review", object_id=str(review.pk))
                       .order_by("pk").values_list("action", flat=True))
    assert actions == ["review.submitted", "review.returned", "review.submitted", "review.agreed"]
    assert {row[1] for row in reminder_rows("review.submitted")} == {b.head.user_id}
    assert {row[1] for row in reminder_rows("review.answered")} == {b.leader.user_id, b.broker.user_id}


def test_completion_adds_a_final_evaluation_that_both_sides_score(brokerage):
    b = brokerage
    deployment = active(b)
    with scope(partnership=b.partnership):
        processes.complete_deployment(actor=b.broker, deployment=deployment, summary="Done well.")
        final = Review.objects.get(deployment=deployment, kind=ReviewKind.FINAL)
    with pytest.raises(DomainError, match="Complete every objective"):
        write_as_leader(b, final, progress={o: ("green", "Evidence", "") for o in objective_ids(deployment)})
    write_as_leader(b, final, progress={o: ("green", "Evidence", "yes") for o in objective_ids(deployment)})
    with scope(partnership=b.partnership):
        with pytest.raises(DomainError, match="your own impact score"):
            reviews.answer_review(actor=b.head, review=Review.objects.get(pk=final.pk), agree=True)
        reviews.answer_review(actor=b.head, review=Review.objects.get(pk=final.pk), agree=True, head_impact_score=8)
        final = Review.objects.get(pk=final.pk)
    assert final.head_impact_score == 8 and final.impact_score == 6 and final.status == ReviewStatus.AGREED
