"""Dashboard figures against the hand-computed world (tests/factories/worlds.py), with the empty, single and tie cases."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django_scopes import scopes_disabled

from alliances.models import ClusterSchool, Phase
from deployments.models import SupportRequest
from portal.tenancy.roles import Role
from reporting.dashboards import impact_figures, median_days, worst_rag
from tests.factories import make_member
from tests.factories.worlds import at
from tests.reporting.conftest import board_for, rows

# Pure rules ---------------------------------------------------------------------------------------------------------


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
    assert table.header == ["Need area", "Waiting", "Taken on", "Leader found", "Under way", "Completed or stopped", "Not taken on", "Withdrawn", "Total"]
    # Each matched request counts where its deployment is: R1 and R4 under way (D1, D3), R7 paused (D4, under
    # way), R5 completed (D2).
    assert rows(table) == [
        ["Maths", "1", "0", "0", "2", "0", "0", "0", "3"],
        ["Behaviour", "0", "0", "0", "1", "0", "1", "0", "2"],  # Behaviour and Reading tie on 2: by name
        ["Reading", "0", "0", "0", "1", "1", "0", "0", "2"],
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
    assert rows(reading.tables["requests"]) == [["Reading", "0", "0", "0", "1", "1", "0", "0", "2"]]  # not R1's Maths too
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


def test_schools_outside_any_cluster_have_a_row_of_their_own(world):
    with scopes_disabled():
        ClusterSchool.objects.filter(school_id="136463").delete()
    table = board_for(world.broker, la="873").tables["breakdown"]
    assert [row[0] for row in table.rows] == ["North", "South", "Not in a cluster this year"]
    assert rows(table)[2][:3] == ["Not in a cluster this year", "0", "1"]
