"""Dashboard pages: each table with its chart, no private text, plain errors, and queries that do not grow."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from alliances.models import ClusterSchool, SystemLeader
from deployments.models import (
    CapacityEntry,
    Deployment,
    Objective,
    Review,
    ReviewObjective,
    SupportRequest,
    Visit,
)
from tests.factories.worlds import at


def _page(client, member, query=""):
    client.force_login(member.user)
    return client.get(f"/p/{member.partnership.slug}/dashboards/{query}")


def test_the_page_shows_each_table_with_its_chart_and_download_links(client, world):
    response = _page(client, world.broker, "?year=2026-27")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    captions = [c.get_text(" ", strip=True) for c in soup.select("caption")]
    assert "Requests by need area and status: Academic year 2026-27 (the figures in the chart above)" in captions
    assert soup.select_one(".app-chart")["aria-hidden"] == "true"
    breakdown = soup.find(id="table-breakdown").find_parent("section")
    first = breakdown.select("tbody tr")[0]
    assert [c.get_text(strip=True) for c in first.select("th, td")] == [
        "Cambridgeshire", "1", "3", "1", "1", "6", "4", "0", "7.5"]
    assert first.th.a["href"] == "?year=2026-27&la=873"
    links = [a["href"] for a in breakdown.select("a[download]")]
    assert links == [f"/p/{world.partnership.slug}/dashboards/export.csv?year=2026-27&table=breakdown",
                     f"/p/{world.partnership.slug}/dashboards/export.xlsx?year=2026-27&table=breakdown"]
    text = soup.get_text(" ", strip=True)
    assert "30 (the sum of the scores) ÷ 4 scores = 7.5" in text
    assert ("The 4 scores come from 3 agreed reviews due in the period: 3 system leaders' scores, each agreed by the "
            "headteacher, and 1 headteacher's own score in final evaluations.") in text


def test_the_page_never_shows_private_notes_or_contact_details(client, world):
    for member in (world.broker, world.officer):
        school = _page(client, member, "?year=2026-27&la=873&school=110602").content.decode()
        detail = client.get(f"/p/{world.partnership.slug}/dashboards/deployments/{world.deployments['D1'].pk}/")
        assert detail.status_code == 200
        for page in (school, detail.content.decode()):
            for private in ("Private", "leaders.example.org", "01223 000000"):
                assert private not in page


def test_an_la_officer_cannot_open_a_deployment_outside_their_las(client, world):
    client.force_login(world.officer.user)
    url = f"/p/{world.partnership.slug}/dashboards/deployments/{world.deployments['D3'].pk}/"  # Ealing
    assert client.get(url).status_code == 404


def test_a_bad_filter_shows_an_error_and_the_figures_it_can(client, world):
    response = _page(client, world.officer, "?year=2026-27&school=101868")
    soup = BeautifulSoup(response.content, "html.parser")
    assert response.status_code == 200
    summary = soup.select_one(".govuk-error-summary")
    assert "There is no school with this URN in the local authorities you can see" in summary.get_text()
    assert soup.title.get_text().startswith("Error:")


def test_odd_query_strings_give_a_page_never_an_error(client, world):
    client.force_login(world.officer.user)
    base = f"/p/{world.partnership.slug}/dashboards"
    for query in ("?year=abc&term=&cluster=xyz&school=%00", "?cluster=%C2%B2", "?area=%C2%B2&la=" + "9" * 500,
                  "?year=2026-27&phase=nope&designation=<b>"):
        for url in (f"{base}/{query}", f"{base}/export.csv{query}&table=requests", f"{base}/export.xlsx{query}"):
            response = client.get(url)
            assert response.status_code == 200, url
    assert client.head(f"{base}/?year=2026-27").status_code == 200


# Query counts: fixed whatever the data size ----------------------------------------------------------------------


def _count(client, member, query):
    client.force_login(member.user)
    client.get(f"/p/{member.partnership.slug}/dashboards/{query}")  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/p/{member.partnership.slug}/dashboards/{query}")
    assert response.status_code == 200
    return len(queries)


QUERIES = ["?year=2026-27", "?year=2026-27&la=873", "?year=2026-27&la=873&cluster={south}",
           "?year=2026-27&school=110602", "?year=2026-27&term=autumn&designation=SLE&phase=primary&area={maths}"]


@pytest.mark.parametrize("query", QUERIES)
def test_dashboard_queries_do_not_grow_with_the_data(client, world, query):
    query = query.format(south=world.clusters["South"].pk, maths=world.spec["Maths"].pk)
    small = {role: _count(client, member, query) for role, member in (("broker", world.broker),
                                                                       ("officer", world.officer))}
    # Ten times the activity: more requests, deployments, visits, reviews and leaders in every LA.
    with scopes_disabled():
        for n in range(10):
            for letter in "ABCE":
                school = world.schools[letter]
                r = SupportRequest.objects.create(partnership=world.partnership, school=school, status="matched",
                                                  created_by=world.broker.user, days_wanted=2,
                                                  submitted_at=at(date(2026, 9, 2 + n)))
                r.needs.set([world.spec["Maths"]], through_defaults={"partnership": world.partnership})
                leader = SystemLeader.objects.create(
                    partnership=world.partnership, name=f"Extra {n}{letter}", home_school=school, designation="SLE",
                    designated_on=date(2024, 9, 1), review_due=date(2028, 9, 1), capacity_days_per_term=3,
                    phase_primary=True)
                leader.specialisms.set([world.spec["Maths"]], through_defaults={"partnership": world.partnership})
                d = Deployment.objects.create(
                    partnership=world.partnership, request=r, school=school, leader=leader, status="active", days=2,
                    rate_kind="member", day_rate=350, funder="school", start_date=date(2026, 9, 20),
                    end_date=date(2026, 12, 1), proposed_by=world.broker.user, decided_at=at(date(2026, 9, 15)))
                o = Objective.objects.create(partnership=world.partnership, deployment=d, area=world.spec["Maths"],
                                             description="x", success_criteria="y")
                CapacityEntry.objects.create(partnership=world.partnership, leader=leader, deployment=d,
                                             term_key="2026-27 autumn", days=2)
                Visit.objects.create(partnership=world.partnership, deployment=d, visit_date=date(2026, 10, 1), days=1,
                                     status="confirmed", focus="x", logged_by=world.broker.user)
                rv = Review.objects.create(partnership=world.partnership, deployment=d, term_key="2026-27 autumn",
                                           due_on=date(2026, 11, 20), status="agreed", impact_score=6)
                ReviewObjective.objects.create(partnership=world.partnership, review=rv, objective=o, rag="green",
                                               evidence="e")
                ClusterSchool.objects.get_or_create(partnership=world.partnership, cluster=world.clusters["South"],
                                                    school=school)
    large = {role: _count(client, member, query) for role, member in (("broker", world.broker),
                                                                       ("officer", world.officer))}
    assert large == small
    # Session, membership and scope (about 6), the filter form's choices (calendar, LAs, clusters, specialisms,
    # a chosen school) and the figures (at most 11), then the navigation's unread count.
    assert small["broker"] <= 24


def test_the_deployment_page_queries_do_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(world.broker.user)
    url = f"/p/{world.partnership.slug}/dashboards/deployments/{world.deployments['D1'].pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    with scopes_disabled():
        d = world.deployments["D1"]
        for n in range(5):
            Objective.objects.create(partnership=world.partnership, deployment=d, area=world.spec["Maths"],
                                     description=f"More {n}", success_criteria="y")
            Review.objects.create(partnership=world.partnership, deployment=d, term_key=f"2027-28 t{n}",
                                  due_on=date(2027, 10, 1 + n))
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)
