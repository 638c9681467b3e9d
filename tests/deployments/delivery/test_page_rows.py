"""What a deployment's pages read with the deployment itself (`page_rows`, a JSON array a list on PostgreSQL) and
what the request's page reads with the request (its needs) are the rows their own queries read: every column
loaded, each value equal and of the same type, in the same order, with the same people and due-date caveats."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django_scopes import scope

from deployments import processes
from deployments.delivery import page_rows, selectors, visits
from deployments.models import Deployment, Review, Variation, Visit
from deployments.requests import selectors as request_selectors
from deployments.variations import services
from tests.deployments.conftest import accepted, active, propose, school_day
from tests.deployments.variations.conftest import propose_change

LISTS = ("objectives", "visits", "reviews", "variations")


def _loaded(rows) -> list[tuple]:
    """Each row's loaded values (deferred columns are absent), with their types."""
    return [(type(row), {name: (value, type(value)) for name, value in vars(row).items() if not name.startswith("_")})
            for row in rows]


def _people(changes) -> list[tuple]:
    return [tuple((person.pk, person.get_full_name(), person.email) if person else None
                  for person in (c.proposed_by, c.decided_by, c.head_confirmed_by, c.closed_by)) for c in changes]


def _a_deployment_with_every_kind_of_row(b) -> Deployment:
    """Under way since five school days ago; a visit confirmed, one disputed and one waiting; a change withdrawn
    and another still open."""
    accepted(b)
    with scope(partnership=b.partnership):
        proposed = propose(b, start_date=school_day(5), days=Decimal(5))
        processes.decide_deployment(actor=b.approver, deployment=proposed, approve=True, rationale="Good fit.")
        for side in (b.head, b.leader_member):
            processes.confirm_agreement(actor=side, deployment=Deployment.objects.get(pk=proposed.pk))
        deployment = Deployment.objects.get(pk=proposed.pk)
        logged = [visits.log_visit(actor=b.leader_member, deployment=Deployment.objects.get(pk=deployment.pk),
                                   visit_date=school_day(back), days=Decimal(days), focus=f"Focus {back}")
                  for back, days in ((3, "1"), (2, "0.5"), (1, "1"))]
        visits.answer_visit(actor=b.head, visit=Visit.objects.get(pk=logged[0].pk), confirm=True)
        visits.answer_visit(actor=b.head, visit=Visit.objects.get(pk=logged[1].pk), confirm=False, reason="Not here")
    first = propose_change(b, deployment, days=deployment.days + 1)
    with scope(partnership=b.partnership):
        services.withdraw(actor=b.broker, variation=first, deployment=deployment, reason="Asked by mistake")
    propose_change(b, deployment, days=deployment.days + 2, reason="More days after all")
    return deployment


def test_the_lists_read_with_the_deployment_are_the_rows_their_queries_read(brokerage):
    b = brokerage
    deployment = _a_deployment_with_every_kind_of_row(b)
    with scope(partnership=b.partnership):
        read = selectors.deployment_page(membership=b.broker, pk=deployment.pk, lists=LISTS)
        plain = Deployment.objects.get(pk=deployment.pk)  # no lists read with it: each list is its own query
        assert all(hasattr(read, f"json_{kind}") for kind in LISTS) == (connection.vendor == "postgresql")
        found = {kind: getattr(page_rows, kind)(read) for kind in LISTS}
        queried = {kind: getattr(page_rows, kind)(plain) for kind in LISTS}
        expected_visits = list(Visit.objects.filter(deployment=deployment))
        expected_changes = list(Variation.objects.filter(deployment=deployment).select_related(
            "proposed_by", "decided_by", "head_confirmed_by", "closed_by"))
    assert len(found["visits"]) == 3 and len(found["variations"]) == 2 and found["reviews"] and found["objectives"]
    assert {visit.status for visit in found["visits"]} == {"confirmed", "disputed", "logged"}
    for kind in LISTS:
        assert _loaded(found[kind]) == _loaded(queried[kind]), kind
    assert _loaded(found["visits"]) == _loaded(expected_visits)
    assert _loaded(found["variations"]) == _loaded(expected_changes)
    assert _people(found["variations"]) == _people(expected_changes)
    assert [o.area.name for o in found["objectives"]] == [o.area.name for o in queried["objectives"]]
    caveats = [(r.due_term_known, r.due_year_provisional, r.due_caveat) for r in found["reviews"]]
    assert caveats == [(r.due_term_known, r.due_year_provisional, r.due_caveat) for r in queried["reviews"]]


def test_the_reviews_read_with_the_deployment_are_at_most_the_ones_its_page_lists(brokerage):
    b = brokerage
    deployment = active(b)
    with scope(partnership=b.partnership):
        Review.objects.bulk_create([Review(partnership=b.partnership, deployment=deployment, kind="termly",
                                           term_key=f"20{year}-{year + 1} autumn", due_on=school_day(year))
                                    for year in range(30, 30 + page_rows.REVIEWS_LISTED)])
        read = selectors.deployment_page(membership=b.broker, pk=deployment.pk, lists=("reviews",))
        found, queried = page_rows.reviews(read), page_rows.reviews(Deployment.objects.get(pk=deployment.pk))
    assert len(found) == page_rows.REVIEWS_LISTED and _loaded(found) == _loaded(queried)


def test_the_needs_deployments_and_offers_read_with_the_request_are_the_rows_their_queries_read(brokerage):
    b = brokerage
    _a_deployment_with_every_kind_of_row(b)
    with scope(partnership=b.partnership):
        read = request_selectors.request_page(membership=b.broker, pk=b.request.pk, offers=True)
        plain = request_selectors.request_page(membership=b.head, pk=b.request.pk)
        assert hasattr(read, "json_offers") == (connection.vendor == "postgresql") and not hasattr(plain, "json_offers")
        for name in ("json_needs", "json_deployments"):  # read by their queries
            vars(plain).pop(name, None)
        found = [request_selectors.page_needs(request=read), request_selectors.page_deployments(request=read),
                 request_selectors.page_offers(request=read)]
        queried = [request_selectors.page_needs(request=plain), request_selectors.page_deployments(request=plain),
                   request_selectors.page_offers(request=plain)]
    assert found[0] and [(n.pk, n.name) for n in found[0]] == [(n.pk, n.name) for n in queried[0]]
    assert len(found[1]) == 1 and len(found[2]) == 2
    for rows, expected in zip(found[1:], queried[1:], strict=True):
        assert _loaded(rows) == _loaded(expected)
        assert [_loaded([row.leader]) for row in rows] == [_loaded([row.leader]) for row in expected]
