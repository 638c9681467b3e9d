"""Dashboard figures against a hand-computed world, with the empty, single and tie cases.

The world (academic year 2026-27, no term calendar, so autumn is 1 Sep to 31 Dec; "today" is 1 Dec 2026):

school                                  LA               clusters 2026-27
A 110602 Bassingbourn Primary School    873 Cambridgeshire  North, South
B 136463 Comberton Village College      873 Cambridgeshire  South
C 110683 Old Fletton Primary School     874 Peterborough    -
E 101868 East Acton Primary School      307 Ealing          -

request  school  needs             days  status      sent        deployment (leader, status, days, approved)
R1       A       Maths, Reading    4     matched     10 Sep 26   D1 (L1 SLE, active, 4, 20 Sep: 10 days)
R2       B       Maths             2     submitted   1 Oct 26    -
R3       C       Behaviour         3     declined    5 Oct 26    -
R4       E       Maths             5     matched     15 Sep 26   D3 (L2 NLE, active, 5, 25 Sep: 10 days)
R5       A       Reading           2     matched     20 Sep 26   D2 (L1 SLE, completed, 2, 24 Sep: 4 days)
R7       C       Behaviour         3     matched     1 Sep 26    D4 (L2 NLE, paused, 3, 3 Sep: 2 days)
R8       B       Maths             3     matched     10 Sep 25   D6 (L1, completed in March 2026: last year)
R6       B       (a draft)
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from alliances.models import Cluster, ClusterSchool, LocalAuthority, Phase, School, Specialism, SystemLeader
from deployments.models import (
    CapacityEntry,
    Deployment,
    Objective,
    Review,
    ReviewObjective,
    SupportRequest,
    Visit,
)
from portal.calendar.schooldays import Period
from portal.calendar.schooldays import SchoolCalendar as Terms
from portal.tenancy.roles import Role
from reporting.dashboards import dashboard, impact_figures, median_days, worst_rag
from reporting.filters import DashboardFilterForm, period_bounds
from tests.factories import make_member

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 12, 1)


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=LONDON)


@dataclass
class World:
    partnership: object
    broker: object
    officer: object
    schools: dict
    spec: dict
    leaders: dict
    requests: dict
    deployments: dict
    clusters: dict


def _school(urn, name, la, phase):
    school, _ = School.objects.update_or_create(urn=urn, defaults={"name": name, "la": la, "phase": phase})
    return school


def build_world(partnership, broker, officer) -> World:
    p = partnership
    with scopes_disabled():
        cambs, _ = LocalAuthority.objects.get_or_create(code="873", defaults={"name": "Cambridgeshire"})
        peterborough, _ = LocalAuthority.objects.get_or_create(code="874", defaults={"name": "Peterborough"})
        ealing, _ = LocalAuthority.objects.get_or_create(code="307", defaults={"name": "Ealing"})
        schools = {
            "A": _school("110602", "Bassingbourn Primary School", cambs, Phase.PRIMARY),
            "B": _school("136463", "Comberton Village College", cambs, Phase.SECONDARY),
            "C": _school("110683", "Old Fletton Primary School", peterborough, Phase.PRIMARY),
            "E": _school("101868", "East Acton Primary School", ealing, Phase.PRIMARY),
        }
        spec = {name: Specialism.objects.create(partnership=p, group="teaching", name=name)
                for name in ("Maths", "Reading", "Behaviour")}
        clusters = {"North": Cluster.objects.create(partnership=p, name="North", la=cambs, academic_year="2026-27"),
                    "South": Cluster.objects.create(partnership=p, name="South", la=cambs, academic_year="2026-27")}
        for cluster, letters in (("North", "A"), ("South", "AB")):
            for letter in letters:
                ClusterSchool.objects.create(partnership=p, cluster=clusters[cluster], school=schools[letter])

        def leader(name, home, designation, capacity, specialisms, status="active", **phases):
            made = SystemLeader.objects.create(
                partnership=p, name=name, home_school=schools[home], designation=designation, designated_on=date(2024, 9, 1),
                review_due=date(2028, 9, 1), capacity_days_per_term=Decimal(capacity), status=status,
                email=f"{name.lower()}@leaders.example.org", phone="01223 000000", **phases)
            made.specialisms.set([spec[s] for s in specialisms], through_defaults={"partnership": p})
            return made

        leaders = {"L1": leader("L1 Ada Lovelace", "A", "SLE", 4, ["Maths", "Reading"], phase_primary=True),
                   "L2": leader("L2 Mary Somerville", "C", "NLE", 6, ["Maths"], phase_secondary=True),
                   "L3": leader("L3 Caroline Herschel", "B", "SLE", 5, ["Maths"], status="paused", phase_primary=True)}

        def request(key, school, needs, days, status, sent):
            made = SupportRequest.objects.create(
                partnership=p, school=schools[school], created_by=broker.user, status=status, days_wanted=Decimal(days),
                submitted_at=at(sent) if sent else None, context=f"Private context {key}")
            made.needs.set([spec[n] for n in needs], through_defaults={"partnership": p})
            return made

        requests = {
            "R1": request("R1", "A", ["Maths", "Reading"], 4, "matched", date(2026, 9, 10)),
            "R2": request("R2", "B", ["Maths"], 2, "submitted", date(2026, 10, 1)),
            "R3": request("R3", "C", ["Behaviour"], 3, "declined", date(2026, 10, 5)),
            "R4": request("R4", "E", ["Maths"], 5, "matched", date(2026, 9, 15)),
            "R5": request("R5", "A", ["Reading"], 2, "matched", date(2026, 9, 20)),
            "R7": request("R7", "C", ["Behaviour"], 3, "matched", date(2026, 9, 1)),
            "R8": request("R8", "B", ["Maths"], 3, "matched", date(2025, 9, 10)),
            "R6": request("R6", "B", ["Maths"], 1, "draft", None),
        }

        def deployment(key, req, leader_key, status, days, start, end, decided, areas, ledger, visits=()):
            d = Deployment.objects.create(
                partnership=p, request=requests[req], school=requests[req].school, leader=leaders[leader_key],
                status=status, days=Decimal(days), rate_kind="member", day_rate=350, funder="school", start_date=start,
                end_date=end, proposed_by=broker.user, decided_by=broker.user, decided_at=at(decided),
                status_note=f"Private status note {key}", closing_summary=f"Private summary {key}")
            objectives = [Objective.objects.create(partnership=p, deployment=d, area=spec[a], description=f"{a} objective",
                                                   success_criteria=f"{a} criteria", position=i)
                          for i, a in enumerate(areas)]
            for term_key, ledger_days in ledger:
                CapacityEntry.objects.create(partnership=p, leader=leaders[leader_key], deployment=d, term_key=term_key,
                                             days=Decimal(ledger_days))
            for visit_date, visit_days, visit_status in visits:
                Visit.objects.create(partnership=p, deployment=d, visit_date=visit_date, days=Decimal(visit_days),
                                     status=visit_status, focus="Focus", notes=f"Private visit note {key}",
                                     logged_by=broker.user)
            return d, objectives

        d1, o1 = deployment("D1", "R1", "L1", "active", 4, date(2026, 9, 14), date(2027, 2, 12), date(2026, 9, 20),
                            ["Maths", "Reading"], [("2026-27 autumn", 3), ("2026-27 spring", 1)],
                            [(date(2026, 9, 21), 1, "confirmed"), (date(2026, 10, 5), 1, "confirmed"),
                             (date(2026, 11, 2), 0.5, "logged")])
        d2, o2 = deployment("D2", "R5", "L1", "completed", 2, date(2026, 9, 21), date(2026, 11, 30), date(2026, 9, 24),
                            ["Reading"], [("2026-27 autumn", 2)],
                            [(date(2026, 10, 12), 1, "confirmed"), (date(2026, 10, 19), 1, "confirmed")])
        d3, o3 = deployment("D3", "R4", "L2", "active", 5, date(2026, 10, 1), date(2026, 12, 18), date(2026, 9, 25),
                            ["Maths"], [("2026-27 autumn", 5)], [(date(2026, 10, 10), 1, "confirmed")])
        d4, o4 = deployment("D4", "R7", "L2", "paused", 3, date(2026, 9, 7), date(2026, 12, 11), date(2026, 9, 3),
                            ["Behaviour"], [("2026-27 autumn", 3)])
        d6, o6 = deployment("D6", "R8", "L1", "completed", 3, date(2025, 10, 1), date(2026, 3, 1), date(2025, 9, 20),
                            ["Maths"], [("2025-26 autumn", 3)], [(date(2025, 10, 8), 1, "confirmed")])

        def review(d, objectives, term_key, due, status, impact=None, head=None, rags=(), kind="termly"):
            r = Review.objects.create(partnership=p, deployment=d, kind=kind, term_key=term_key, due_on=due, status=status,
                                      impact_score=impact, head_impact_score=head,
                                      overall_progress="Private progress", next_steps="Private next steps")
            for objective, rag in zip(objectives, rags, strict=False):
                ReviewObjective.objects.create(partnership=p, review=r, objective=objective, rag=rag,
                                               evidence="Private evidence")
            return r

        review(d1, o1, "2026-27 autumn", date(2026, 11, 20), "agreed", 8, rags=["green", "amber"])
        review(d1, o1, "2026-27 spring", date(2027, 3, 12), "due")
        review(d2, o2, "2026-27 autumn", date(2026, 11, 13), "agreed", 9, rags=["green"])
        review(d2, o2, "final", date(2026, 12, 10), "agreed", 7, head=6, rags=["green"], kind="final")
        review(d3, o3, "2026-27 autumn", date(2026, 11, 27), "due")
        review(d4, o4, "2026-27 autumn", date(2026, 11, 20), "submitted", 3, rags=["red"])
        review(d6, o6, "2025-26 autumn", date(2025, 12, 5), "agreed", 2, rags=["red"])
    return World(p, broker, officer, schools, spec, leaders, requests,
                 {"D1": d1, "D2": d2, "D3": d3, "D4": d4, "D6": d6}, clusters)


@pytest.fixture
def world(partnership, broker, la_officer) -> World:
    return build_world(partnership, broker, la_officer)


def board_for(member, **filters):
    with scope(partnership=member.partnership):
        form = DashboardFilterForm({"year": "2026-27", **filters}, membership=member)
        assert form.is_valid(), form.errors
        return dashboard(scope=form.scope(), today=TODAY)


def rows(table) -> list[list]:
    return [[str(cell) for cell in row] for row in table.rows]


# Pure rules -----------------------------------------------------------------------------------------------------


def test_median_of_an_even_count_is_the_mean_of_the_middle_two_and_none_when_empty():
    assert median_days([]) is None
    assert median_days([(at(date(2026, 9, 1)), at(date(2026, 9, 4)))]) == 3
    pairs = [(at(date(2026, 9, 1)), at(date(2026, 9, d))) for d in (3, 5, 11, 11)]  # 2, 4, 10, 10
    assert median_days(pairs) == 7


def test_median_counts_london_dates_so_a_late_evening_approval_is_that_day():
    sent = datetime(2026, 6, 1, 22, 30, tzinfo=ZoneInfo("UTC"))  # 23:30 in London, still 1 June
    decided = datetime(2026, 6, 2, 23, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on 3 June in London
    assert median_days([(sent, decided)]) == 2


def test_impact_average_is_the_sum_over_the_count_rounded_to_one_place():
    assert impact_figures([]) == {"count": 0, "total": 0, "average": None,
                                  "distribution": [(s, 0) for s in range(1, 11)]}
    assert impact_figures([7])["average"] == Decimal("7.0")
    figures = impact_figures([8, 9, 8, 8, 8])  # the seed 001 report's 8.2
    assert (figures["total"], figures["count"], figures["average"]) == (41, 5, Decimal("8.2"))
    assert dict(figures["distribution"])[8] == 4
    assert impact_figures([1, 2])["average"] == Decimal("1.5")
    assert impact_figures([7, 7, 7, 8])["average"] == Decimal("7.3")  # 7.25 rounds half up, as by hand


def test_worst_rating_wins_and_no_ratings_means_not_yet_reviewed():
    assert worst_rag(["green", "amber", "green"]) == "amber"
    assert worst_rag(["green", "red"]) == "red"
    assert worst_rag([]) == "none"


def test_a_period_starts_the_day_after_the_previous_term_so_holidays_count_against_the_next_term():
    periods = [Period("2025-26", "term", "summer", "Summer", date(2026, 4, 13), date(2026, 7, 22)),
               Period("2026-27", "term", "autumn", "Autumn", date(2026, 9, 3), date(2026, 12, 18)),
               Period("2026-27", "term", "spring", "Spring", date(2027, 1, 5), date(2027, 3, 26)),
               Period("2026-27", "term", "summer", "Summer", date(2027, 4, 12), date(2027, 7, 21))]
    terms = Terms(periods)
    selected, start, end = period_bounds(terms, "2026-27", "spring")
    assert ([t.key for t in selected], start, end) == (["2026-27 spring"], date(2026, 12, 19), date(2027, 3, 26))
    _, start, end = period_bounds(terms, "2026-27", "autumn")
    assert (start, end) == (date(2026, 7, 23), date(2026, 12, 18))
    selected, start, end = period_bounds(terms, "2026-27", "")
    # The year ends with the summer term; the holiday after it belongs to next year, so years never overlap.
    assert (len(selected), start, end) == (3, date(2026, 7, 23), date(2027, 7, 21))
    # A calendar without its summer term yet: the usual summer dates, from the day after spring ends.
    _, start, end = period_bounds(Terms(periods[1:3]), "2026-27", "summer")
    assert (start, end) == (date(2027, 3, 27), date(2027, 8, 31))
    # No calendar: the usual terms.
    _, start, end = period_bounds(Terms([]), "2026-27", "summer")
    assert (start, end) == (date(2027, 4, 1), date(2027, 8, 31))


# The steering group's view of the whole partnership ------------------------------------------------------------


def test_headline_figures_for_the_whole_partnership(world):
    board = board_for(world.broker)
    h = board.headline
    assert h["requests"] == 6  # R1-R5 and R7: not the draft, not last year's R8
    assert h["schools_supported"] == 3  # A (D1, D2), E (D3), C (D4)
    assert (h["median_days_to_approval"], h["approvals"]) == (7, 4)  # 2, 4, 10, 10
    assert (h["active"], h["paused"], h["completed"], h["stopped"]) == (2, 1, 1, 0)  # D1 and D3; D4; D2
    assert (h["committed"], h["delivered"], h["awaiting_confirmation"]) == (14, 5, Decimal("0.5"))
    assert (h["reviews_due"], h["reviews_overdue"]) == (1, 1)  # D1 spring; D3 autumn (due 27 Nov)
    assert dict(h["open_rag"]) == {"amber": 1, "none": 1, "red": 1}  # D1's worst of green+amber; D3; D4


def test_impact_average_and_how_it_is_made(world):
    impact = board_for(world.broker).impact
    # Agreed reviews due this year: D1 autumn 8, D2 autumn 9, D2 final 7 and its headteacher's 6. D4's 3 is not agreed.
    assert (impact["total"], impact["count"], impact["average"]) == (30, 4, Decimal("7.5"))
    assert (impact["reviews"], impact["leader_scores"], impact["head_scores"]) == (3, 3, 1)
    assert [count for _, count in impact["distribution"]] == [0, 0, 0, 0, 0, 1, 1, 1, 1, 0]


def test_requests_by_need_area_with_ties_in_name_order(world):
    table = board_for(world.broker).tables["requests"]
    assert table.header == ["Need area", "Waiting", "Taken on", "Leader found", "Not taken on", "Withdrawn", "Total"]
    assert rows(table) == [
        ["Maths", "1", "0", "2", "0", "0", "3"],
        ["Behaviour", "0", "0", "1", "1", "0", "2"],  # Behaviour and Reading tie on 2: by name
        ["Reading", "0", "0", "2", "0", "0", "2"],
    ]


def test_breakdown_by_local_authority(world):
    table = board_for(world.broker).tables["breakdown"]
    assert rows(table) == [
        ["Cambridgeshire", "1", "3", "1", "1", "6", "4", "0", "7.5"],
        ["Ealing", "1", "1", "1", "0", "5", "1", "1", ""],
        ["Peterborough", "1", "2", "1", "0", "3", "0", "0", ""],
    ]
    assert table.links[0] == "year=2026-27&la=873"


def test_deployments_reviews_and_rag_tables(world):
    board = board_for(world.broker)
    assert rows(board.tables["deployments"]) == [
        ["Approved: waiting for the agreement to be confirmed", "0", "0", "0"],
        ["Under way", "2", "9", "9"], ["Paused", "1", "3", "3"], ["Completed", "1", "2", "2"],
        ["Stopped early", "0", "0", "0"]]
    assert rows(board.tables["reviews"]) == [["Due, not yet written", "1"], ["Overdue", "1"],
                                             ["Waiting for the headteacher to agree", "1"], ["Agreed", "3"]]
    assert rows(board.tables["rag"]) == [["Red: not on track", "1"], ["Amber: partly on track", "1"],
                                         ["Green: on track", "0"], ["Not yet reviewed", "1"]]


def test_capacity_against_demand_by_specialism(world):
    table = board_for(world.broker).tables["capacity"]
    # L1 4 days a term (Maths, Reading) has 6 committed this year; L2 6 a term (Maths) has 8; L3 is paused.
    assert table.header[5:] == ["Days requested", "Still to place (days)", "Short by (days)"]
    assert rows(table) == [
        ["Behaviour", "0", "0", "0", "0", "3", "0", "0"],  # R7 wants 3 and has a leader; R3 was declined
        ["Maths", "2", "30", "14", "16", "11", "2", "0"],  # R1 4 + R2 2 + R4 5; only R2 has no leader yet
        ["Reading", "1", "12", "6", "6", "6", "0", "0"],  # R1 4 + R5 2
    ]


def test_capacity_planning_by_term_places_demand_in_the_term_it_is_wanted(world):
    with scopes_disabled():
        SupportRequest.objects.filter(pk=world.requests["R2"].pk).update(preferred_start=date(2027, 1, 10))
    for filters in ({}, {"term": "summer"}):  # always the whole year
        table = board_for(world.broker, **filters).tables["terms"]
        # L1 (4 a term) and L2 (6 a term). Autumn: L1 has 5 committed and L2 8, so none is left.
        assert rows(table) == [
            ["Autumn", "10", "13", "0", "14", "0"],  # R1 4, R4 5, R5 2, R7 3; R3 was declined
            ["Spring", "10", "1", "9", "2", "2"],  # R2 wants to start in January and has no leader yet
            ["Summer", "10", "0", "10", "0", "0"],
        ]


def test_one_term_counts_only_its_ledger_rows_and_reviews(world):
    board = board_for(world.broker, term="autumn")
    assert board.headline["committed"] == 13  # D1 3 + D2 2 + D3 5 + D4 3; D1's spring day is not in autumn
    assert (board.headline["reviews_due"], board.headline["reviews_overdue"]) == (0, 1)
    # Capacity 4 + 6; both are over-committed in autumn (L1 5 of 4, L2 8 of 6), so none is left for 11 wanted.
    assert rows(board.tables["capacity"])[1] == ["Maths", "2", "10", "13", "0", "11", "2", "2"]  # R2's 2 days


def test_filters_by_designation_need_area_and_phase(world):
    nle = board_for(world.broker, designation="NLE")
    assert (nle.headline["schools_supported"], nle.headline["committed"]) == (2, 8)  # D3 and D4
    assert nle.headline["requests"] == 6  # requests have no leader yet, so designation does not narrow them
    reading = board_for(world.broker, area=str(world.spec["Reading"].pk))
    assert reading.headline["requests"] == 2 and reading.headline["committed"] == 6  # R1, R5; D1 and D2
    assert rows(reading.tables["requests"]) == [["Reading", "0", "0", "2", "0", "0", "2"]]  # not R1's Maths too
    assert [row[0] for row in reading.tables["capacity"].rows] == ["Reading"]
    secondary = board_for(world.broker, phase=Phase.SECONDARY)
    assert (secondary.headline["requests"], secondary.headline["schools_supported"]) == (1, 0)  # R2 at B only


def test_last_year_is_its_own_period(world):
    board = board_for(world.broker, year="2025-26")
    assert board.headline["requests"] == 1 and board.headline["completed"] == 1  # R8 and D6
    assert board.impact["average"] == Decimal("2.0")


def test_an_empty_partnership_shows_zeros_and_no_average(other_partnership):
    broker = make_member(other_partnership, Role.BROKER)
    board = board_for(broker)
    h = board.headline
    assert (h["requests"], h["schools_supported"], h["committed"], h["delivered"]) == (0, 0, 0, 0)
    assert h["median_days_to_approval"] is None and board.impact["average"] is None
    assert board.tables["requests"].rows == [] and board.tables["capacity"].rows == []
    assert [row[1] for row in board.tables["deployments"].rows] == [0, 0, 0, 0, 0]


# An LA officer: only their LAs -----------------------------------------------------------------------------------


def test_an_la_officer_sees_only_schools_in_their_local_authorities(world):
    board = board_for(world.officer)  # Cambridgeshire (873) only
    h = board.headline
    assert (h["requests"], h["schools_supported"], h["committed"], h["delivered"]) == (3, 1, 6, 4)
    assert (h["median_days_to_approval"], h["reviews_overdue"]) == (7, 0)
    assert dict(h["open_rag"]) == {"amber": 1}
    assert board.impact["average"] == Decimal("7.5")
    assert rows(board.tables["breakdown"]) == [["Cambridgeshire", "1", "3", "1", "1", "6", "4", "0", "7.5"]]
    assert rows(board.tables["capacity"]) == [["Maths", "1", "12", "6", "6", "6", "2", "0"],
                                              ["Reading", "1", "12", "6", "6", "6", "0", "0"]]
    everything = str([t.rows for t in board.tables.values()])
    assert "Ealing" not in everything and "Peterborough" not in everything


def test_drill_down_from_la_to_cluster_to_school(world):
    by_cluster = board_for(world.officer, la="873").tables["breakdown"]
    assert rows(by_cluster) == [["North", "1", "2", "1", "1", "6", "4", "0", "7.5"],
                                ["South", "1", "3", "1", "1", "6", "4", "0", "7.5"]]
    south = world.clusters["South"]
    assert by_cluster.links[1] == f"year=2026-27&la=873&cluster={south.pk}"
    by_school = board_for(world.officer, la="873", cluster=str(south.pk)).tables["breakdown"]
    assert rows(by_school) == [["Bassingbourn Primary School", "1", "2", "1", "1", "6", "4", "0", "7.5"],
                               ["Comberton Village College", "0", "1", "0", "0", "0", "0", "0", ""]]
    school = board_for(world.officer, la="873", cluster=str(south.pk), school="110602")
    assert [d["pk"] for d in school.deployments] == [world.deployments["D1"].pk, world.deployments["D2"].pk]


def test_moving_to_another_year_leaves_the_cluster_and_says_so(world):
    with scope(partnership=world.partnership):
        form = DashboardFilterForm({"year": "2025-26", "la": "873", "cluster": str(world.clusters["South"].pk)},
                                   membership=world.officer)
        assert form.is_valid(), form.errors
        assert form.scope().cluster is None and form.scope().la == "873"
    assert form.notices == ["South is a cluster of 2026-27, so these figures are for every cluster in 2025-26."]


def test_schools_outside_any_cluster_have_a_row_of_their_own(world):
    with scopes_disabled():
        ClusterSchool.objects.filter(school_id="136463").delete()
    table = board_for(world.broker, la="873").tables["breakdown"]
    assert [row[0] for row in table.rows] == ["North", "South", "Not in a cluster this year"]
    assert rows(table)[2][:3] == ["Not in a cluster this year", "0", "1"]


@pytest.mark.parametrize("filters, field", [
    ({"la": "307"}, "la"),  # Ealing is not the officer's LA
    ({"school": "101868"}, "school"),  # East Acton is in Ealing
    ({"school": "12ab"}, "school"),
    ({"area": "999999"}, "area"),
    ({"term": "winter"}, "term"),
])
def test_an_la_officer_cannot_widen_their_view_with_filters(world, filters, field):
    with scope(partnership=world.partnership):
        form = DashboardFilterForm({"year": "2026-27", **filters}, membership=world.officer)
        assert not form.is_valid() and field in form.errors
        board = dashboard(scope=form.scope(), today=TODAY)
    assert board.headline["requests"] == 3  # the bad filter falls back to everything they may see


def test_another_partnerships_cluster_is_not_a_choice(world, other_partnership):
    with scopes_disabled():
        theirs = Cluster.objects.create(partnership=other_partnership, name="Theirs", academic_year="2026-27")
    with scope(partnership=world.partnership):
        form = DashboardFilterForm({"year": "2026-27", "cluster": str(theirs.pk)}, membership=world.broker)
        assert not form.is_valid() and "cluster" in form.errors


# Pages and exports ---------------------------------------------------------------------------------------------


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


def test_csv_and_excel_exports_hold_the_same_figures_as_the_page(client, world):
    client.force_login(world.broker.user)
    base = f"/p/{world.partnership.slug}/dashboards"
    response = client.get(f"{base}/export.csv?year=2026-27&table=requests")
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body)))[:2] == [
        ["Need area", "Waiting", "Taken on", "Leader found", "Not taken on", "Withdrawn", "Total"],
        ["Maths", "1", "0", "2", "0", "0", "3"]]
    response = client.get(f"{base}/export.xlsx?year=2026-27&table=capacity")
    assert response["Content-Disposition"] == f'attachment; filename="{world.partnership.slug}-capacity-2026-27.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Specialism" and values[2] == ["Maths", 2, 30, 14, 16, 11, 2, 0]
    assert sheet.title == "Capacity by specialism"
    assert client.get(f"{base}/export.csv?table=nope").status_code == 404


def test_odd_query_strings_give_a_page_never_an_error(client, world):
    client.force_login(world.officer.user)
    base = f"/p/{world.partnership.slug}/dashboards"
    for query in ("?year=abc&term=&cluster=xyz&school=%00", "?cluster=%C2%B2", "?area=%C2%B2&la=" + "9" * 500,
                  "?year=2026-27&phase=nope&designation=<b>"):
        for url in (f"{base}/{query}", f"{base}/export.csv{query}&table=requests", f"{base}/export.xlsx{query}"):
            response = client.get(url)
            assert response.status_code == 200, url
    assert client.head(f"{base}/?year=2026-27").status_code == 200


def test_excel_drops_characters_a_workbook_cannot_hold(client, world):
    with scopes_disabled():
        Specialism.objects.filter(pk=world.spec["Maths"].pk).update(name="Maths\x0b and numeracy")
    client.force_login(world.broker.user)
    response = client.get(f"/p/{world.partnership.slug}/dashboards/export.xlsx?year=2026-27&table=requests")
    assert openpyxl.load_workbook(io.BytesIO(response.content)).active["A2"].value == "Maths and numeracy"


def test_exports_are_safe_against_formula_injection(client, world):
    with scopes_disabled():
        Specialism.objects.filter(pk=world.spec["Maths"].pk).update(name='=HYPERLINK("http://evil.example","x")')
    client.force_login(world.broker.user)
    base = f"/p/{world.partnership.slug}/dashboards"
    body = b"".join(client.get(f"{base}/export.csv?year=2026-27&table=requests").streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body)))[1][0] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/export.xlsx?year=2026-27&table=requests").content)).active
    cell = sheet["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")


def test_an_la_officers_export_holds_only_their_las(client, world):
    client.force_login(world.officer.user)
    base = f"/p/{world.partnership.slug}/dashboards"
    for table in ("breakdown", "requests", "capacity"):
        body = b"".join(client.get(f"{base}/export.csv?year=2026-27&la=307&table={table}").streaming_content).decode()
        assert "Ealing" not in body and "East Acton" not in body


# Query counts: fixed whatever the data size ---------------------------------------------------------------------


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


# The steering group's home: my requests, designations due, the watchlist ------------------------------------------


def test_watching_a_deployment_puts_it_on_the_home_page_once_and_is_audited(client, world):
    from deployments.models import Watch
    from portal.audit.models import AuditEvent

    d1 = world.deployments["D1"]
    client.force_login(world.broker.user)
    url = f"/p/{world.partnership.slug}/deployments/{d1.pk}/watch/"
    for _ in range(2):  # twice: still one row, one audit event
        assert client.post(url, {"watch": "yes"}).status_code == 302
    with scopes_disabled():
        assert Watch.objects.filter(user=world.broker.user, deployment=d1).count() == 1
        assert AuditEvent.objects.filter(action="watchlist.added").count() == 1
    home = BeautifulSoup(client.get(f"/p/{world.partnership.slug}/").content, "html.parser")
    table = home.find("caption", string="Deployments you are watching, soonest to end first").find_parent("table")
    assert [a.get_text() for a in table.select("tbody a")] == [d1.reference]
    detail = client.get(f"/p/{world.partnership.slug}/deployments/{d1.pk}/").content.decode()
    assert "Stop watching" in detail
    client.post(url, {"watch": "no"})
    with scopes_disabled():
        assert not Watch.objects.filter(user=world.broker.user).exists()
        assert AuditEvent.objects.filter(action="watchlist.removed").count() == 1


def test_only_the_steering_group_may_watch(world):
    from deployments.delivery.watchlist import set_watch
    from portal.errors import NotAllowed

    with scope(partnership=world.partnership), pytest.raises(NotAllowed):
        set_watch(actor=world.officer, deployment=world.deployments["D1"], watch=True)


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
    soup = BeautifulSoup(client.get(f"/p/{world.partnership.slug}/").content, "html.parser")
    mine = soup.find("h2", string="My requests").find_next("ul")
    assert [a.get_text() for a in mine.select("a")] == [f"Comberton Village College ({world.requests['R2'].reference})"]
    due = soup.find("h2", string="Designations due for review (2)").find_next("ul")
    assert [a.get_text() for a in due.select("a")] == ["L1 Ada Lovelace", "L2 Mary Somerville"]


def test_steering_home_queries_do_not_grow_with_watches_and_due_designations(client, world):
    from django.utils import timezone

    from deployments.models import Watch

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/p/{world.partnership.slug}/").status_code == 200
        return len(queries)

    client.force_login(world.broker.user)
    client.get(f"/p/{world.partnership.slug}/")
    with scopes_disabled():
        Watch.objects.create(partnership=world.partnership, user=world.broker.user, deployment=world.deployments["D1"])
    small = count()
    with scopes_disabled():
        for d in world.deployments.values():
            Watch.objects.get_or_create(partnership=world.partnership, user=world.broker.user, deployment=d)
        SystemLeader.objects.filter(partnership=world.partnership).update(review_due=timezone.localdate())
        SupportRequest.objects.filter(partnership=world.partnership).update(assigned_broker=world.broker.user)
    assert count() == small


# Headteacher and system leader homes ------------------------------------------------------------------------------


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
    soup = BeautifulSoup(client.get(f"/p/{world.partnership.slug}/").content, "html.parser")
    steps = soup.find("h2", string="Next steps").find_next("ul")
    # D1 is under way; D2 is completed, so its agreed next steps are no longer asked of the school.
    assert [li.find("span").get_text() for li in steps.select("li")] == [
        "Observe two maths lessons & <coach> the new teachers."]


def test_system_leader_home_lists_visits_still_to_log(client, world):
    _, leader = _head_and_leader(world)
    client.force_login(leader.user)
    soup = BeautifulSoup(client.get(f"/p/{world.partnership.slug}/").content, "html.parser")
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
            client.get(f"/p/{world.partnership.slug}/")
        return len(queries)

    small = (count(head), count(leader))
    with scopes_disabled():
        for n in range(6):
            r = SupportRequest.objects.create(partnership=world.partnership, school=world.schools["A"],
                                              status="matched", created_by=head.user, submitted_at=at(date(2026, 9, 3)))
            d = Deployment.objects.create(
                partnership=world.partnership, request=r, school=world.schools["A"], leader=world.leaders["L1"],
                status="active", days=3, rate_kind="member", day_rate=350, funder="school",
                start_date=date(2026, 9, 7), end_date=date(2027, 1, 1), proposed_by=head.user)
            Visit.objects.create(partnership=world.partnership, deployment=d, visit_date=date(2026, 9, 8 + n), days=1,
                                 focus="x", logged_by=head.user)
            Review.objects.create(partnership=world.partnership, deployment=d, term_key="2026-27 autumn",
                                  due_on=date(2026, 11, 20), status="agreed", next_steps=f"Step {n}")
    assert (count(head), count(leader)) == small


def test_a_schools_deployments_export_with_real_dates(client, world):
    client.force_login(world.officer.user)
    base = f"/p/{world.partnership.slug}/dashboards"
    body = b"".join(client.get(f"{base}/export.csv?year=2026-27&school=110602&table=school").streaming_content)
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    d1, d2 = world.deployments["D1"], world.deployments["D2"]
    assert table == [
        ["Deployment", "System leader", "Designation", "Starts", "Ends", "Status", "Days committed", "Days delivered",
         "Progress"],
        [d1.reference, "L1 Ada Lovelace", "SLE", "2026-09-14", "2027-02-12", "Under way", "4", "2",
         "Amber: partly on track"],
        [d2.reference, "L1 Ada Lovelace", "SLE", "2026-09-21", "2026-11-30", "Completed", "2", "2", ""],
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(
        f"{base}/export.xlsx?year=2026-27&school=110602&table=school").content)).active
    assert sheet["D2"].value.date() == date(2026, 9, 14) and sheet.title == "Deployments at the school"
    # Without a school chosen the table is empty, not an error.
    empty = b"".join(client.get(f"{base}/export.csv?year=2026-27&table=school").streaming_content).decode("utf-8-sig")
    assert empty.strip().count("\n") == 0


def test_broker_home_lists_offers_waiting_and_proposals_waiting_for_approval(client, world):
    from django.utils import timezone

    from deployments.models import Offer

    with scopes_disabled():
        r2 = world.requests["R2"]
        Offer.objects.create(partnership=world.partnership, request=r2, leader=world.leaders["L2"],
                             offered_by=world.broker.user, expires_at=timezone.now() + timedelta(days=3))
        proposed = Deployment.objects.create(
            partnership=world.partnership, request=world.requests["R3"], school=world.schools["C"],
            leader=world.leaders["L2"], status="proposed", days=2, rate_kind="member", day_rate=350, funder="school",
            start_date=date(2027, 1, 11), end_date=date(2027, 3, 1), proposed_by=world.broker.user)
    client.force_login(world.broker.user)
    soup = BeautifulSoup(client.get(f"/p/{world.partnership.slug}/").content, "html.parser")
    offers = soup.find("h2", string="Offers waiting for an answer (1)").find_next("ul")
    assert offers.get_text(" ", strip=True).startswith(
        f"Offer to L2 Mary Somerville for Comberton Village College ({r2.reference})")
    approvals = soup.find("h2", string="Proposed, waiting for approval (1)").find_next("ul")
    assert [a.get_text() for a in approvals.select("a")] == [f"{proposed.reference}: Old Fletton Primary School"]
