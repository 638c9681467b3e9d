"""The dashboard filters: periods from the term calendar, and filters that can never widen an LA officer's view."""

from __future__ import annotations

from datetime import date

import pytest
from django_scopes import scope, scopes_disabled

from alliances.models import Cluster
from portal.calendar.schooldays import Period
from portal.calendar.schooldays import SchoolCalendar as Terms
from reporting.dashboards import dashboard
from reporting.filters import DashboardFilterForm, period_bounds
from tests.factories.worlds import TODAY
from tests.pages import parsed


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


def test_moving_to_another_year_leaves_the_cluster_and_says_so(world):
    with scope(partnership=world.partnership):
        form = DashboardFilterForm({"year": "2025-26", "la": "873", "cluster": str(world.clusters["South"].pk)},
                                   membership=world.officer)
        assert form.is_valid(), form.errors
        assert form.scope().cluster is None and form.scope().la == "873"
    assert form.notices == ["South is a cluster of 2026-27, so these figures are for every cluster in 2025-26."]


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


def test_the_school_filter_takes_a_name_and_resolves_it_to_the_one_school_it_matches(world):
    with scope(partnership=world.partnership):
        for text in ("bassingbourn", "Bassingbourn Primary", "110602"):
            form = DashboardFilterForm({"year": "2026-27", "school": text}, membership=world.officer)
            assert form.is_valid(), form.errors
            assert form.scope().school.urn == "110602"
        # The officer sees Cambridgeshire only: "primary school" is Bassingbourn; East Acton is not theirs.
        form = DashboardFilterForm({"year": "2026-27", "school": "primary school"}, membership=world.officer)
        assert form.is_valid() and form.scope().school.urn == "110602"
        form = DashboardFilterForm({"year": "2026-27", "school": "East Acton"}, membership=world.officer)
        assert not form.is_valid() and "No school called" in form.errors["school"][0]
        assert form.school_choices == []


def test_a_school_name_that_matches_several_offers_them_as_choices(client, world):
    with scope(partnership=world.partnership):
        form = DashboardFilterForm({"year": "2026-27", "school": "primary school"}, membership=world.broker)
        assert not form.is_valid()
        assert "3 schools match" in form.errors["school"][0]
        assert sorted(s.urn for s in form.school_choices) == ["101868", "110602", "110683"]
    client.force_login(world.broker.user)
    page = parsed(client.get(f"/p/{world.partnership.slug}/dashboards/", {"year": "2026-27", "school": "primary school",
                                                                           "phase": "primary"}))
    assert page.title.get_text().startswith("Error: ")
    assert "3 schools match" in page.select_one(".govuk-error-summary").get_text()
    choices = {a.get_text(strip=True): a["href"] for a in page.select("[aria-labelledby=school-choices] a")}
    assert set(choices) == {"Bassingbourn Primary School", "Old Fletton Primary School", "East Acton Primary School"}
    assert "school=110602" in choices["Bassingbourn Primary School"]
    assert "phase=primary" in choices["Bassingbourn Primary School"]  # the other filters are kept
