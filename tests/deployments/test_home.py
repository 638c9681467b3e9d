"""Each role's home page: what is waiting for them, from the dashboards' world, with fixed query counts."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from alliances.models import SystemLeader
from deployments.models import Review, SupportRequest
from portal.tenancy.roles import Role
from tests.factories import (
    DeploymentFactory,
    OfferFactory,
    ReviewFactory,
    SupportRequestFactory,
    VisitFactory,
    WatchFactory,
    make_member,
)
from tests.factories.worlds import at
from tests.pages import list_after, parsed, table_rows


def test_broker_home_lists_my_requests_and_designations_due(client, world):
    from django.utils import timezone

    today = timezone.localdate()
    with scopes_disabled():
        # Mine: R2, taken on and still looking for a leader. R1 is mine too, but it is matched, so it is listed
        # under "Accepted: propose the deployment" (not twice).
        SupportRequest.objects.filter(pk=world.requests["R2"].pk).update(assigned_broker=world.broker.user,
                                                                         status="triaged")
        SupportRequest.objects.filter(pk=world.requests["R1"].pk).update(assigned_broker=world.broker.user)
        SystemLeader.objects.filter(pk=world.leaders["L1"].pk).update(review_due=today.replace(day=1) if today.day > 1
                                                                       else today)
        SystemLeader.objects.filter(pk=world.leaders["L2"].pk).update(review_due=today + timedelta(days=20))
        SystemLeader.objects.filter(pk=world.leaders["L3"].pk).update(review_due=today + timedelta(days=5))  # paused
    client.force_login(world.broker.user)
    soup = parsed(client.get(f"/p/{world.partnership.slug}/"))
    mine = soup.find("h2", string="My requests").find_next("ul")
    assert [a.get_text() for a in mine.select("a")] == [f"Comberton Village College ({world.requests['R2'].reference})"]
    due = soup.find("h2", string="Designations due for review (2)").find_next("ul")
    assert [a.get_text() for a in due.select("a")] == ["L1 Ada Lovelace", "L2 Mary Somerville"]


def test_steering_home_queries_do_not_grow_with_watches_and_due_designations(client, world):
    from django.utils import timezone

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/p/{world.partnership.slug}/")
        return len(queries), parsed(response)

    client.force_login(world.broker.user)
    client.get(f"/p/{world.partnership.slug}/")
    WatchFactory(user=world.broker.user, deployment=world.deployments["D1"])
    small, page = count()
    assert [row[0] for row in table_rows(page, "Deployments you are watching")] == [world.deployments["D1"].reference]
    for key in ("D2", "D3", "D4", "D6"):
        WatchFactory(user=world.broker.user, deployment=world.deployments[key])
    with scopes_disabled():
        SystemLeader.objects.filter(partnership=world.partnership).update(review_due=timezone.localdate())
        SupportRequest.objects.filter(partnership=world.partnership).update(assigned_broker=world.broker.user)
    large, page = count()
    assert large == small
    # Every watched deployment, soonest to end first, and both active leaders' designations (L3 is paused).
    assert [row[0] for row in table_rows(page, "Deployments you are watching")] == [
        world.deployments[key].reference for key in ("D6", "D2", "D4", "D3", "D1")]
    assert [item.split(" (")[0] for item in list_after(page, "Designations due for review (2)")] == [
        "L1 Ada Lovelace", "L2 Mary Somerville"]


def _head_and_leader(world):
    head = make_member(world.partnership, Role.HEADTEACHER)
    head.schools.add(world.schools["A"])
    leader = make_member(world.partnership, Role.SYSTEM_LEADER)
    with scopes_disabled():
        SystemLeader.objects.filter(pk=world.leaders["L1"].pk).update(user=leader.user)
    return head, leader


def test_headteacher_home_shows_next_steps_from_the_latest_agreed_reviews(client, world):
    head, _ = _head_and_leader(world)
    with scopes_disabled():
        Review.objects.filter(deployment=world.deployments["D1"], term_key="2026-27 autumn").update(
            next_steps="Superseded: plan the first lesson visit.")
        Review.objects.filter(deployment=world.deployments["D1"], term_key="2026-27 spring").update(
            status="agreed", next_steps="Observe two maths lessons & <coach> the new teachers.")
    client.force_login(head.user)
    soup = parsed(client.get(f"/p/{world.partnership.slug}/"))
    steps = soup.find("h2", string="Next steps").find_next("ul")
    # D1 is under way; D2 is completed, so its agreed next steps are no longer asked of the school.
    assert [li.find("span").get_text() for li in steps.select("li")] == [
        "Observe two maths lessons & <coach> the new teachers."]


def test_system_leader_home_lists_visits_still_to_log(client, world):
    _, leader = _head_and_leader(world)
    client.force_login(leader.user)
    soup = parsed(client.get(f"/p/{world.partnership.slug}/"))
    to_log = soup.find("h2", string="Visits to log").find_next("ul")
    # D1: 4 days agreed, 2.5 logged (2 confirmed and a half day waiting). D2 is completed.
    assert [li.select_one("span.govuk-body-s").get_text(" ", strip=True) for li in to_log.select("li")] == [
        "2.5 of 4 days logged, 1.5 left; ends 12 February 2027"]
    assert to_log.a["href"] == f"/p/{world.partnership.slug}/deployments/{world.deployments['D1'].pk}/visits/new/"


def test_head_and_leader_homes_queries_do_not_grow(client, world):
    head, leader = _head_and_leader(world)

    def count(member):
        client.force_login(member.user)
        client.get(f"/p/{world.partnership.slug}/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/p/{world.partnership.slug}/")
        return len(queries), parsed(response)

    (head_small, head_page), (leader_small, leader_page) = count(head), count(leader)
    assert len(list_after(head_page, "Visits to confirm")) == 1 and len(list_after(leader_page, "Visits to log")) == 1
    for n in range(6):
        request = SupportRequestFactory(partnership=world.partnership, school=world.schools["A"], status="matched",
                                        created_by=head.user, submitted_at=at(date(2026, 9, 3)))
        d = DeploymentFactory(request=request, leader=world.leaders["L1"], status="active", start_date=date(2026, 9, 7),
                              end_date=date(2027, 1, 1), proposed_by=head.user)
        VisitFactory(deployment=d, visit_date=date(2026, 9, 8 + n))
        ReviewFactory(deployment=d, due_on=date(2026, 11, 20), status="agreed", next_steps=f"Step {n}")
    (head_large, head_page), (leader_large, leader_page) = count(head), count(leader)
    assert (head_large, leader_large) == (head_small, leader_small)
    # Six more deployments under way at A, each with a visit waiting and agreed next steps.
    assert len(list_after(head_page, "Visits to confirm")) == 7
    assert len(table_rows(head_page, "Deployments of system leaders into your schools")) == 8
    steps = head_page.find("h2", string="Next steps").find_next("ul").select("li span")
    assert [step.get_text() for step in steps] == ["Step 5", "Step 4", "Step 3", "Step 2", "Step 1"]  # the latest five
    assert len(list_after(leader_page, "Visits to log")) == 7


def test_broker_home_lists_offers_waiting_and_proposals_waiting_for_approval(client, world):
    from django.utils import timezone

    r2 = world.requests["R2"]
    OfferFactory(request=r2, leader=world.leaders["L2"], offered_by=world.broker.user,
                 expires_at=timezone.now() + timedelta(days=3))
    proposed = DeploymentFactory(request=world.requests["R3"], leader=world.leaders["L2"], status="proposed", days=2,
                                 start_date=date(2027, 1, 11), end_date=date(2027, 3, 1), proposed_by=world.broker.user)
    client.force_login(world.broker.user)
    soup = parsed(client.get(f"/p/{world.partnership.slug}/"))
    offers = soup.find("h2", string="Offers waiting for an answer (1)").find_next("ul")
    assert offers.get_text(" ", strip=True).startswith(
        f"Offer to L2 Mary Somerville for Comberton Village College ({r2.reference})")
    approvals = soup.find("h2", string="Proposed, waiting for approval (1)").find_next("ul")
    assert [a.get_text() for a in approvals.select("a")] == [f"{proposed.reference}: Old Fletton Primary School"]
