"""Drafts and returns: a saved draft is never called "Not written yet", nothing typed into a draft is lost, and a
returned review or final evaluation shows the headteacher's comments on the form the leader revises."""

from __future__ import annotations

from decimal import Decimal

from bs4 import BeautifulSoup
from django_scopes import scope, scopes_disabled

from alliances.models import SystemLeader
from deployments import processes
from deployments.models import Deployment, Review, ReviewKind, ReviewObjective
from deployments.reviews import services as reviews
from tests.deployments.conftest import deployment_for
from tests.deployments.reviews.conftest import objective_ids, write_as_leader
from tests.pages import done


def _first_review(b, kind=ReviewKind.TERMLY):
    with scopes_disabled():
        SystemLeader.objects.filter(pk=b.leader.pk).update(capacity_days_per_term=Decimal(900))
    deployment = deployment_for(b, b.request)
    with scopes_disabled():
        return deployment, Review.objects.filter(deployment=deployment, kind=kind).order_by("due_on").first()


def _text(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def test_after_save_draft_the_review_says_it_is_a_draft_and_keeps_evidence_without_a_rating(client, brokerage):
    b = brokerage
    deployment, review = _first_review(b)
    first, _ = objective_ids(deployment)
    base = f"/p/{b.partnership.slug}"
    client.force_login(b.leader_member.user)
    assert "Not written yet." in _text(client.get(f"{base}/reviews/{review.pk}/"))
    saved = client.post(f"{base}/reviews/{review.pk}/write/",
                        {"action": "save", f"evidence_{first}": "Books show more reasoning"}, follow=True)
    done(saved, f"{base}/reviews/{review.pk}/", "Draft saved.")
    page = _text(saved)
    assert "Not written yet." not in page and "not sent to the headteacher yet" in page
    assert "Books show more reasoning" in page and "Progress not chosen yet" in page
    with scopes_disabled():
        assert ReviewObjective.objects.get(review=review, objective_id=first).evidence == "Books show more reasoning"
    form = BeautifulSoup(client.get(f"{base}/reviews/{review.pk}/write/").content, "html.parser")
    assert form.find("textarea", attrs={"name": f"evidence_{first}"}).get_text().strip() == "Books show more reasoning"


def test_a_returned_review_shows_the_heads_comments_on_the_leaders_form(client, brokerage):
    b = brokerage
    _, review = _first_review(b)
    write_as_leader(b, review)
    with scope(partnership=b.partnership):
        reviews.answer_review(actor=b.head, review=Review.objects.get(pk=review.pk), agree=False,
                              comments="Say which year groups the evidence covers.")
    client.force_login(b.leader_member.user)
    form = client.get(f"/p/{b.partnership.slug}/reviews/{review.pk}/write/")
    comments = BeautifulSoup(form.content, "html.parser").find(id="head-comments")
    assert comments is not None and "Say which year groups the evidence covers." in comments.get_text()


def test_a_returned_final_evaluation_shows_the_heads_comments_on_the_leaders_form(client, brokerage):
    b = brokerage
    deployment, _ = _first_review(b)
    with scope(partnership=b.partnership):
        Review.objects.filter(deployment=deployment, kind=ReviewKind.TERMLY).delete()
        processes.stop_deployment(actor=b.broker, deployment=Deployment.objects.get(pk=deployment.pk),
                                  reason="The school joined a trust")
        final = Review.objects.get(deployment=deployment, kind=ReviewKind.FINAL)
    write_as_leader(b, final)
    with scope(partnership=b.partnership):
        reviews.answer_review(actor=b.head, review=Review.objects.get(pk=final.pk), agree=False,
                              comments="Add the Year 6 results.")
    client.force_login(b.leader_member.user)
    form = client.get(f"/p/{b.partnership.slug}/reviews/{final.pk}/write/")
    assert "Add the Year 6 results." in BeautifulSoup(form.content, "html.parser").find(id="head-comments").get_text()
    page = _text(client.get(f"/p/{b.partnership.slug}/reviews/{final.pk}/"))
    assert "Not written yet." not in page and "The headteacher's comments when returning it" in page
