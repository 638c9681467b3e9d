"""Dashboard pages: each table with its chart, no private text, plain errors, and queries that do not grow."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from alliances.models import ClusterSchool
from tests.factories import (
    CapacityEntryFactory,
    DeploymentFactory,
    ObjectiveFactory,
    ReviewFactory,
    ReviewObjectiveFactory,
    SupportRequestFactory,
    SystemLeaderFactory,
    VisitFactory,
)
from tests.factories.worlds import at
from tests.pages import parsed, table_rows


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
    d1 = world.deployments["D1"]
    for member in (world.broker, world.officer):
        response = _page(client, member, "?year=2026-27&la=873&school=110602")
        # The school's page lists its deployments, D1 among them: it rendered what it should.
        assert d1.reference in parsed(response).main.get_text(" ", strip=True)
        school = response.content.decode()
        detail = client.get(f"/p/{world.partnership.slug}/dashboards/deployments/{d1.pk}/")
        assert parsed(detail).h1.get_text(strip=True) == f"Deployment {d1.reference}"
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
    """The queries of one dashboard page (after a warm-up GET) and the page, parsed."""
    client.force_login(member.user)
    client.get(f"/p/{member.partnership.slug}/dashboards/{query}")  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/p/{member.partnership.slug}/dashboards/{query}")
    return len(queries), parsed(response)


def _requests_sent(page) -> int:
    """The "requests for support sent" figure at the top of a dashboard page."""
    for figure in page.select(".app-figure"):
        if figure.select_one(".app-figure__label").get_text(strip=True).startswith("request"):
            return int(figure.select_one(".app-figure__value").get_text(strip=True))
    raise AssertionError("No requests figure")


# Each page, and how many of the forty requests the larger data adds to its figures for the broker (the whole
# partnership) and the LA officer (Cambridgeshire: schools A and B).
QUERIES = [
    ("?year=2026-27", 40, 20),
    ("?year=2026-27&la=873", 20, 20),  # A and B
    ("?year=2026-27&la=873&cluster={south}", 20, 20),  # every school joins South; A and B are in Cambridgeshire
    ("?year=2026-27&school=110602", 10, 10),  # A
    ("?year=2026-27&term=autumn&designation=SLE&phase=primary&area={maths}", 30, 10),  # primaries A, C and E
]


@pytest.mark.parametrize(("query", "broker_more", "officer_more"), QUERIES, ids=[q for q, _, _ in QUERIES])
def test_dashboard_queries_do_not_grow_with_the_data(client, world, query, broker_more, officer_more):
    query = query.format(south=world.clusters["South"].pk, maths=world.spec["Maths"].pk)
    readers = {"broker": world.broker, "officer": world.officer}
    small = {role: _count(client, member, query) for role, member in readers.items()}
    # Ten times the activity: more requests, deployments, visits, reviews and leaders in every LA.
    maths = world.spec["Maths"]
    for n in range(10):
        for letter in "ABCE":
            school = world.schools[letter]
            request = SupportRequestFactory(partnership=world.partnership, school=school, status="matched",
                                            created_by=world.broker.user, days_wanted=2,
                                            submitted_at=at(date(2026, 9, 2 + n)), needs=[maths])
            leader = SystemLeaderFactory(partnership=world.partnership, name=f"Extra {n}{letter}", home_school=school,
                                         capacity_days_per_term=3, specialisms=[maths])
            d = DeploymentFactory(request=request, leader=leader, status="active", days=2, start_date=date(2026, 9, 20),
                                  end_date=date(2026, 12, 1), proposed_by=world.broker.user,
                                  decided_at=at(date(2026, 9, 15)))
            objective = ObjectiveFactory(deployment=d, area=maths)
            CapacityEntryFactory(deployment=d, term_key="2026-27 autumn", days=2)
            VisitFactory(deployment=d, visit_date=date(2026, 10, 1), status="confirmed", logged_by=world.broker.user)
            review = ReviewFactory(deployment=d, due_on=date(2026, 11, 20), status="agreed", impact_score=6)
            ReviewObjectiveFactory(review=review, objective=objective)
            with scopes_disabled():
                ClusterSchool.objects.get_or_create(partnership=world.partnership, cluster=world.clusters["South"],
                                                    school=school)
    large = {role: _count(client, member, query) for role, member in readers.items()}
    assert {role: n for role, (n, _) in large.items()} == {role: n for role, (n, _) in small.items()}
    # The figures did grow: the pages count the new requests each reader may see.
    assert _requests_sent(large["broker"][1]) - _requests_sent(small["broker"][1]) == broker_more
    assert _requests_sent(large["officer"][1]) - _requests_sent(small["officer"][1]) == officer_more
    # Session, membership and scope, the filter form's choices (calendar, LAs, clusters and specialisms in one
    # statement; a chosen school one more), the version of the data the figures read (`reporting.dashboards.kept`;
    # this test's own transaction has changed it, so nothing is kept) and the figures (two statements: the requests
    # with the leaders, the deployments with their days, reviews and the breakdown's groups).
    expected = 11 if "school=" in query else 10
    assert {role: n for role, (n, _) in small.items()} == {"broker": expected, "officer": expected}


def test_the_deployment_page_queries_do_not_grow(client, world):
    client.force_login(world.broker.user)
    d1 = world.deployments["D1"]
    url = f"/p/{world.partnership.slug}/dashboards/deployments/{d1.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        page = parsed(client.get(url))
    # D1: its two objectives (Maths, Reading) and its two termly reviews.
    assert len(page.find("h2", string="Objectives").find_next("ol").select("li")) == 2
    assert len(table_rows(page, "Reviews of this deployment")) == 2
    for n in range(5):
        ObjectiveFactory(deployment=d1, area=world.spec["Maths"], description=f"More {n}", position=2 + n)
        ReviewFactory(deployment=d1, term_key=f"2027-28 t{n}", due_on=date(2027, 10, 1 + n))
    with CaptureQueriesContext(connection) as large:
        page = parsed(client.get(url))
    assert len(large) == len(small)
    assert len(page.find("h2", string="Objectives").find_next("ol").select("li")) == 7
    reviews = table_rows(page, "Reviews of this deployment")
    assert len(reviews) == 7 and all(len(row) == 3 + 7 + 1 for row in reviews)  # a column for each objective


def test_requests_on_the_dashboard_read_as_far_as_their_deployments_have_gone(client, world):
    soup = parsed(_page(client, world.broker, "?year=2026-27"))
    section = soup.find(id="table-requests").find_parent("section")
    assert [th.get_text(" ", strip=True) for th in section.select("thead th")] == [
        "Need area", "Waiting", "Taken on", "Leader found", "Under way", "Completed or stopped", "Not taken on",
        "Withdrawn", "Total"]
    # R5 (Reading) is closed with D2 completed; R1 and R4 (Maths) are under way with D1 and D3.
    assert table_rows(section, "Requests by need area and status")[2] == ["Reading", "0", "0", "0", "1", "1", "0", "0", "2"]
    assert "a request counts where its deployment is" in section.get_text(" ", strip=True)


def test_the_steering_group_filters_requests_by_where_their_deployments_are(client, world):
    client.force_login(world.broker.user)
    base = f"/p/{world.partnership.slug}/requests/"

    def listed(status):
        return {row[0]: row[3] for row in table_rows(parsed(client.get(f"{base}?status={status}")), "Support requests")}

    r = {key: request.reference for key, request in world.requests.items()}
    assert listed("closed") == {r["R5"]: "Closed: support completed", r["R8"]: "Closed: support completed",
                                r["R3"]: "Closed: not taken on"}
    assert listed("paused") == {r["R7"]: "Support paused"}
    assert set(listed("open")) == {r["R1"], r["R2"], r["R4"], r["R7"]}
