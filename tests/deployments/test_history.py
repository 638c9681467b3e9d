"""The timeline of a deployment and of its request: every event, the reviews' and the final evaluation's too,
read from one shared source (`deployments.history`)."""

from __future__ import annotations

import re
from pathlib import Path

from django_scopes import scope, scopes_disabled

from deployments import processes
from deployments.brokerage import offers
from deployments.delivery import lifecycle, visits
from deployments.history import deployment_history, request_history, review_name
from deployments.models import Deployment, Offer, Review, ReviewKind, Variation, Visit, VisitStatus
from deployments.requests import services as requests
from deployments.reviews import services as reviews
from deployments.templatetags.brokerage import EVENTS
from tests.deployments.conftest import active, count_and_parse
from tests.deployments.reviews.conftest import write_as_leader


def _timeline(soup) -> list[str]:
    return [li.get_text(" ", strip=True) for li in soup.find(id="timeline").find_next("ol").select("li")]


def _in_order(entries: list[str], expected: list[str]) -> bool:
    """Each expected label appears in an entry after the one before it."""
    position = 0
    for label in expected:
        found = next((i for i in range(position, len(entries)) if label in entries[i]), None)
        if found is None:
            return False
        position = found + 1
    return True


def _reviewed_and_closed(b) -> tuple[Deployment, Review]:
    """Active; its first termly review sent, returned, sent again and agreed; completed; the final evaluation sent
    and agreed."""
    deployment = active(b)
    with scopes_disabled():
        termly = Review.objects.filter(deployment=deployment, kind=ReviewKind.TERMLY).order_by("due_on").first()
    write_as_leader(b, termly)
    with scope(partnership=b.partnership):
        reviews.answer_review(actor=b.head, review=Review.objects.get(pk=termly.pk), agree=False,
                              comments="Add the Year 5 books.")
    write_as_leader(b, termly)
    with scope(partnership=b.partnership):
        reviews.answer_review(actor=b.head, review=Review.objects.get(pk=termly.pk), agree=True)
        processes.complete_deployment(actor=b.broker, deployment=Deployment.objects.get(pk=deployment.pk),
                                      summary="Maths planning is consistent.")
        final = Review.objects.get(deployment=deployment, kind=ReviewKind.FINAL)
    write_as_leader(b, final)
    with scope(partnership=b.partnership):
        reviews.answer_review(actor=b.head, review=Review.objects.get(pk=final.pk), agree=True, head_impact_score=8)
    return deployment, termly


def test_both_timelines_list_the_reviews_and_the_final_evaluation_being_sent_returned_and_agreed(client, brokerage):
    b = brokerage
    deployment, termly = _reviewed_and_closed(b)
    name = review_name(termly)
    assert name == f"Termly review ({termly.term_label})" and review_name(Review(kind=ReviewKind.FINAL)) == "Final evaluation"
    expected = ["Deployment approved", "Agreement in force", f"{name} sent to the headteacher",
                f"{name} returned with comments by the headteacher", f"{name} sent to the headteacher",
                f"{name} agreed by the headteacher", "Deployment completed", "Final evaluation sent to the headteacher",
                "Final evaluation agreed by the headteacher"]
    base = f"/p/{b.partnership.slug}"
    _, page = count_and_parse(client, f"{base}/deployments/{deployment.pk}/", b.broker.user)
    entries = _timeline(page)
    assert _in_order(entries, expected), entries
    assert any("Add the Year 5 books." in entry for entry in entries)  # the head's reason for returning it
    assert not any(": submitted" in entry.lower() or "Review:" in entry for entry in entries)  # no raw action names
    for member in (b.head, b.broker):
        _, page = count_and_parse(client, f"{base}/requests/{b.request.pk}/", member.user)
        assert _in_order(_timeline(page), ["Offered to a system leader", "Offer accepted", *expected])


def test_the_request_history_holds_the_whole_deployment_history(brokerage):
    b = brokerage
    deployment, _ = _reviewed_and_closed(b)
    with scope(partnership=b.partnership):
        of_deployment = [event.pk for event in deployment_history(deployment=deployment)]
        of_request = [event.pk for event in request_history(request=b.request)]
    assert of_deployment and set(of_deployment) < set(of_request)
    assert of_request == sorted(of_request)  # oldest first


def test_a_timeline_is_one_query_and_one_more_to_name_its_reviews(brokerage, django_assert_num_queries):
    b = brokerage
    deployment, _ = _reviewed_and_closed(b)
    with scope(partnership=b.partnership):
        with django_assert_num_queries(2):  # the events (every row by subquery); the reviews' names
            events = deployment_history(deployment=deployment)
    assert {event.subject for event in events if hasattr(event, "subject")} >= {"Final evaluation"}


def test_the_rows_a_page_has_read_give_the_same_timeline_in_one_query(brokerage, django_assert_num_queries):
    """The pages give the timeline the rows they have read: their keys go into its statement, and the reviews
    read name its review events, so it is one query; the events are the ones it finds looking the rows up."""
    b = brokerage
    deployment, _ = _reviewed_and_closed(b)
    with scope(partnership=b.partnership):
        looked_up = deployment_history(deployment=deployment)
        read = {"visits": list(Visit.objects.filter(deployment=deployment)),
                "reviews": list(Review.objects.filter(deployment=deployment)),
                "variations": list(Variation.objects.filter(deployment=deployment))}
        with django_assert_num_queries(1):
            given = deployment_history(deployment=deployment, **read)
        whole = request_history(request=b.request)
        deployments = list(Deployment.objects.filter(request=b.request))
        offers = list(Offer.objects.filter(request=b.request))
        assert [e.pk for e in request_history(request=b.request, deployments=deployments, offers=offers)] == [
            e.pk for e in whole]
        own = request_history(request=b.request, deployments=[], offers=[])  # no deployment or offer: its own events
        assert own and {e.object_type.model for e in own} == {"supportrequest"}
    assert [(e.pk, getattr(e, "subject", None)) for e in given] == [(e.pk, getattr(e, "subject", None))
                                                                      for e in looked_up]
    assert {e.subject for e in given if hasattr(e, "subject")} >= {"Final evaluation"}
    assert {e.object_type.model for e in whole} >= {"supportrequest", "offer", "deployment", "review"}


def test_every_event_a_timeline_can_show_has_words():
    """Each status a request, offer, deployment or visit can move to, and each action named in the code."""
    actions = {f"{noun}.{to}" for noun, allowed in (("request", requests.ALLOWED), ("offer", offers.ALLOWED),
                                                     ("deployment", lifecycle.ALLOWED))
               for targets in allowed.values() for to in targets}
    actions |= {f"visit.{to}" for to in visits.ALLOWED[VisitStatus.LOGGED]}  # settling a dispute names its own
    source = "\n".join(path.read_text() for path in (Path(__file__).resolve().parents[2] / "deployments").rglob("*.py"))
    named = set(re.findall(r'action="((?:request|offer|deployment|visit|review)\.\w+)"', source))
    assert {"review.submitted", "review.returned", "review.agreed", "visit.logged", "offer.made"} <= named
    actions |= named | {"deployment.confirmed_by_headteacher", "deployment.confirmed_by_system_leader",
                        "visit.dispute_upheld", "visit.dispute_removed"}
    assert sorted(actions - set(EVENTS)) == []
